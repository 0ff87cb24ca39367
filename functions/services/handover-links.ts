import { appendAudit } from '../adapters/audit.ts';
import { presignHandover } from '../adapters/presign.ts';
import { now } from '../core/clock.ts';
import { HANDOVER_LINK_SECONDS, type Handover, handoverView } from '../core/handovers.ts';
import type { Actor } from '../core/roles.ts';

/**
 * One package as its requester sees it; a READY one with a download link that works for
 * HANDOVER_LINK_SECONDS. Each link is audited before it is handed out: who, which package, what
 * it holds.
 */
export async function handoverWithLink(actor: Actor, handover: Handover, requestId: string) {
  const at = now();
  const view = handoverView(handover, at);
  if (view.status !== 'READY') return view;
  const download = await presignHandover({
    key: handover.key,
    fileName: view.fileName,
    expiresIn: HANDOVER_LINK_SECONDS,
    now: at,
  });
  await appendAudit({
    action: 'handover.link-issued',
    actor,
    targetType: 'handover',
    targetId: handover.handoverId,
    at: at.toISOString(),
    details: {
      bag: handover.bag,
      selection: handover.selection,
      customers: view.customers,
      documents: view.documents,
      bytes: view.bytes,
      sha256: view.sha256,
      linkExpiresAt: download.expiresAt,
      requestId,
    },
  });
  return { ...view, download };
}
