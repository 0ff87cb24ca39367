import { DomainError } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

export const handler = apiHandler('tasks-decide', async () => {
  throw new DomainError(500, 'NotImplemented', 'tasks-decide is not implemented yet');
});
