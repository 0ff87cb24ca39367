import { auditClearRead } from '../adapters/audit.ts';
import { type DocumentRecord, revealsSensitiveNames, SENSITIVE_NAME_FIELDS } from '../core/documents.ts';
import type { Actor } from '../core/roles.ts';

/**
 * A sensitive document's title and file name shown in clear: `document.read-unmasked`, with the
 * request's details, unless what was shown reveals nothing (masked, not sensitive, or the clerk
 * who wrote them reading).
 */
export async function auditNamesShown(
  actor: Actor,
  doc: DocumentRecord,
  shown: Parameters<typeof revealsSensitiveNames>[1],
  details: Record<string, unknown>,
): Promise<void> {
  if (!revealsSensitiveNames(doc, shown, actor)) return;
  await auditClearRead({
    action: 'document.read-unmasked',
    actor,
    targetType: 'document',
    targetId: doc.documentId,
    revealed: SENSITIVE_NAME_FIELDS,
    details,
  });
}
