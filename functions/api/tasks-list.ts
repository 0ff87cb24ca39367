import { queryOpenTasks } from '../adapters/tasks-repo.ts';
import { openTasksFor, TASK_KINDS } from '../core/tasks.ts';
import { apiHandler } from '../http/api.ts';

/** `GET /tasks`: open tasks of every role the caller has that the caller may decide; never tokens. */
export const handler = apiHandler('tasks-list', async function handleTasksList({ actor }) {
  const deciding = new Set(Object.values(TASK_KINDS).flatMap((k) => k.roles));
  const roles = actor.roles.filter((r) => deciding.has(r));
  const lists = await Promise.all(roles.map((r) => queryOpenTasks(r)));
  return { status: 200, body: { items: openTasksFor(actor, lists) } };
});
