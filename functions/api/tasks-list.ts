import { DomainError } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

export const handler = apiHandler('tasks-list', async () => {
  throw new DomainError(500, 'NotImplemented', 'tasks-list is not implemented yet');
});
