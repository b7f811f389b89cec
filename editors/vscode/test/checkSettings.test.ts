// csflow.check.onType / onSave: which of the server's diagnostics the client shows.
import { strict as assert } from 'assert';
import { describe, it } from 'node:test';
import { acceptDiagnostics } from '../src/client/checkSettings';

describe('acceptDiagnostics', () => {
  const typing = { dirty: true, justSaved: false, justOpened: false };
  const saving = { dirty: false, justSaved: true, justOpened: false };
  const opening = { dirty: false, justSaved: false, justOpened: true };
  const other = { dirty: false, justSaved: false, justOpened: false };
  it('shows everything by default', () => {
    for (const moment of [typing, saving, opening, other]) assert.equal(acceptDiagnostics({ onType: true, onSave: true }, moment), true);
  });
  it('check on type off: nothing while the file has unsaved changes; the save shows them', () => {
    const settings = { onType: false, onSave: true };
    assert.equal(acceptDiagnostics(settings, typing), false);
    assert.equal(acceptDiagnostics(settings, saving), true);
    assert.equal(acceptDiagnostics(settings, opening), true);
  });
  it('both off: only when a file is opened (and files not open in the editor)', () => {
    const settings = { onType: false, onSave: false };
    assert.deepEqual([typing, saving, opening, other].map((m) => acceptDiagnostics(settings, m)), [false, false, true, true]);
  });
});
