import { getDocument } from '../adapters/documents-repo.ts';
import { now } from '../core/clock.ts';
import { contractEndSchema, type DisposableDocument, isoDate } from '../core/disposal.ts';
import { BadRequest, Conflict, NotFound } from '../core/errors.ts';
import { apiHandler, parseInput } from '../http/api.ts';
import { type ClockOutcome, startOneClock } from '../services/retention-clock.ts';

/**
 * `PUT /documents/{documentId}/contract-end {endedOn}` (clerk, archivist): the contract a
 * document of a CONTRACT_END type belongs to ended; its retention clock starts that day and its
 * due day is set. The same date again changes nothing; another date for a clock already started is
 * a conflict (contract ends are not re-dated).
 */
export const handler = apiHandler('documents-contract-end', async ({ actor, body, path, requestId }) => {
  const id = path.documentId ?? '';
  if (body === undefined) {
    throw new BadRequest('request body is required: {"endedOn": "YYYY-MM-DD"}', [
      { path: 'endedOn', message: 'is required' },
    ]);
  }
  const input = parseInput(contractEndSchema, body);
  const doc = (await getDocument(id)) as DisposableDocument | undefined;
  if (!doc) throw new NotFound('document', id);
  const time = now();
  if (input.endedOn > isoDate(time)) {
    throw new BadRequest(`endedOn ${input.endedOn} is in the future`, [
      { path: 'endedOn', message: 'must not be in the future' },
    ]);
  }
  if (doc.retentionTrigger !== 'CONTRACT_END') {
    throw new Conflict(
      `document ${id} (${doc.docType}) starts its retention at ${doc.retentionTrigger ?? 'archiving, once archived'}, not at a contract end`,
    );
  }
  if (doc.status !== 'ARCHIVED')
    throw new Conflict(`document ${id} is ${doc.status}; only archived documents have a retention clock`);
  const outcome: ClockOutcome = { started: [], unchanged: [], conflicts: [] };
  await startOneClock(doc, 'CONTRACT_END', input.endedOn, actor, time, { requestId }, outcome);
  const conflict = outcome.conflicts[0];
  if (conflict) throw new Conflict(conflict.reason);
  const after = (await getDocument(id)) as DisposableDocument;
  return {
    status: 200,
    body: {
      documentId: id,
      archiveCode: after.archiveCode,
      retentionTrigger: after.retentionTrigger,
      clockStart: after.clockStart,
      dueOn: after.dueOn,
      changed: outcome.started.length > 0,
    },
  };
});
