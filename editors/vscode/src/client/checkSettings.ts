/**
 * `csflow.check.onType` / `csflow.check.onSave`: the server checks on every change; the
 * client decides which of its answers to show. Pure, so the rule is tested without VS Code.
 */
import type { CheckSettings } from './lifecycle';

export interface DocumentMoment {
  /** The document has unsaved changes. */
  dirty: boolean;
  /** It was saved a moment ago (this answer is the server's reply to the save). */
  justSaved: boolean;
  /** It was opened a moment ago. */
  justOpened: boolean;
}

export function acceptDiagnostics(settings: CheckSettings, moment: DocumentMoment): boolean {
  if (moment.justOpened) return true;
  if (moment.dirty) return settings.onType;
  if (moment.justSaved) return settings.onSave || settings.onType;
  // A file not open in the editor (checked as part of the project), or a clean document.
  return true;
}
