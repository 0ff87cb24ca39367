import { apiHandler } from '../http/api.ts';

/** Liveness: answers without a token and touches nothing, so a probe cannot be costly. */
export const handler = apiHandler('health', async function handleHealth() {
  return { status: 200, body: { status: 'ok' } };
});
