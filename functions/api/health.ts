import { DomainError } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

export const handler = apiHandler('health', async () => {
  throw new DomainError(500, 'NotImplemented', 'health is not implemented yet');
});
