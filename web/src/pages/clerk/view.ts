import type { Scheme } from '../../api.ts';
import { named } from '../../i18n.ts';
import type { Row } from './draft.ts';

/**
 * What the steps of the clerk's page share: where they draw, the scheme, and each other's
 * redraws (a change in one step shows in others: a file added ticks the checklist and may enable
 * the upload button).
 */
export interface ClerkView {
  root: HTMLElement;
  scheme: Scheme;
  steps: Steps;
}

export interface Steps {
  customer(): void;
  event(): void;
  checklist(): void;
  files(): void;
  rows(): void;
  row(r: Row): void;
  /** Only the progress bar and text of one file, and the overall bar. */
  progress(r: Row): void;
  actions(): void;
  /** Sends files to storage (again), then follows their arrival. */
  upload(rows: readonly Row[]): Promise<void>;
}

/** A document type's name in the user's language, or its code. */
export const typeName = (scheme: Scheme, code: string): string =>
  named(scheme.documentTypes.find((d) => d.code === code)?.name, code);
