import { describe, expect, it } from 'vitest';
import {
  addEntries,
  agentLabels,
  changeSummary,
  editRows,
  errorKey,
  isUnchanged,
  labelChanges,
  parseEntries,
  removeEntry,
  restoreEntry,
  startEdit,
} from './labelEdit';

const admin = { rack: 'r7', site: 'berlin', env: 'prod' };

describe('startEdit and agentLabels', () => {
  it('starts from the admin labels, site first, then by key', () => {
    expect(startEdit(admin)).toEqual([
      { key: 'site', value: 'berlin' },
      { key: 'env', value: 'prod' },
      { key: 'rack', value: 'r7' },
    ]);
    expect(startEdit({})).toEqual([]);
  });

  it('lists the agent labels no admin label overrides', () => {
    const labels = { site: 'berlin', role: 'gw', env: 'prod', arch: 'arm64' };
    expect(agentLabels(labels, { site: 'berlin', env: 'prod' })).toEqual([
      { key: 'arch', value: 'arm64' },
      { key: 'role', value: 'gw' },
    ]);
  });
});

describe('parseEntries', () => {
  it('splits at the first = and on commas and lines', () => {
    expect(parseEntries(' site=berlin, note=a=b\nrole=')).toEqual({
      entries: [
        { key: 'site', value: 'berlin' },
        { key: 'note', value: 'a=b' },
        { key: 'role', value: '' },
      ],
    });
  });

  it('refuses nothing typed and an entry without =', () => {
    expect(parseEntries('  ,')).toEqual({ error: 'Type a label as key=value.' });
    expect(parseEntries('a=1, site')).toEqual({ error: 'Write each label as key=value ("site" has no "=").' });
  });

  it('leaves the key rules to the core', () => {
    expect(parseEntries('=x')).toEqual({ entries: [{ key: '', value: 'x' }] });
  });
});

describe('the edit', () => {
  it('adds a new key last and changes an existing one in place', () => {
    const d = addEntries(startEdit(admin), [
      { key: 'zone', value: 'a' },
      { key: 'env', value: 'test' },
    ]);
    expect(d.map((e) => `${e.key}=${e.value}`)).toEqual(['site=berlin', 'env=test', 'rack=r7', 'zone=a']);
  });

  it('does not change the edit it is given', () => {
    const d = startEdit(admin);
    addEntries(d, [{ key: 'env', value: 'test' }]);
    removeEntry(d, 'env');
    expect(d).toEqual(startEdit(admin));
  });

  it('removes and restores a label', () => {
    const d = removeEntry(startEdit(admin), 'rack');
    expect(d.map((e) => e.key)).toEqual(['site', 'env']);
    expect(restoreEntry(d, admin, 'rack')).toContainEqual({ key: 'rack', value: 'r7' });
    expect(restoreEntry(d, admin, 'nope')).toEqual(d);
  });
});

describe('labelChanges', () => {
  it('sends nothing for an unchanged edit', () => {
    const c = labelChanges(admin, startEdit(admin));
    expect(c).toEqual({ set: [], unset: [] });
    expect(isUnchanged(c)).toBe(true);
    expect(changeSummary(c)).toBe('no changes');
  });

  it('sets new and changed labels and unsets removed ones', () => {
    let d = startEdit(admin);
    d = removeEntry(d, 'rack');
    d = removeEntry(d, 'site');
    d = addEntries(d, [
      { key: 'zone', value: 'a' },
      { key: 'env', value: 'test' },
    ]);
    const c = labelChanges(admin, d);
    expect(c).toEqual({ set: ['env=test', 'zone=a'], unset: ['site', 'rack'] });
    expect(isUnchanged(c)).toBe(false);
    expect(changeSummary(c)).toBe('2 labels to set, 2 to remove');
  });

  it('sends a label removed and added back at another value as a set only', () => {
    const d = addEntries(removeEntry(startEdit(admin), 'env'), [{ key: 'env', value: 'dev' }]);
    expect(labelChanges(admin, d)).toEqual({ set: ['env=dev'], unset: [] });
  });

  it('sends a label removed and added back at its value as nothing', () => {
    const d = addEntries(removeEntry(startEdit(admin), 'env'), [{ key: 'env', value: 'prod' }]);
    expect(isUnchanged(labelChanges(admin, d))).toBe(true);
  });

  it('counts one of each in the singular', () => {
    expect(changeSummary({ set: ['a=1'], unset: ['b'] })).toBe('1 label to set, 1 to remove');
    expect(changeSummary({ set: [], unset: ['b'] })).toBe('1 to remove');
  });
});

describe('editRows', () => {
  it('lists the admin labels in order with their state, then the new ones', () => {
    let d = removeEntry(startEdit(admin), 'rack');
    d = addEntries(d, [
      { key: 'role', value: 'edge' },
      { key: 'env', value: 'test' },
      { key: 'arch', value: 'x86' },
    ]);
    expect(editRows(admin, d, { role: 'gw' })).toEqual([
      { key: 'site', value: 'berlin', state: 'kept' },
      { key: 'env', value: 'test', state: 'changed', was: 'prod' },
      { key: 'rack', value: 'r7', state: 'removed' },
      { key: 'role', value: 'edge', state: 'new', overrides: 'gw' },
      { key: 'arch', value: 'x86', state: 'new' },
    ]);
  });
});

describe('errorKey', () => {
  const c = { set: ['env=test', 'bad key=x'], unset: ['site', 'rack'] };

  it('names the label of set[i] and unset[i]', () => {
    expect(errorKey('set[1]', c)).toBe('bad key');
    expect(errorKey('set[0]', c)).toBe('env');
    expect(errorKey('unset[1]', c)).toBe('rack');
    expect(errorKey('set[0].key', c)).toBe('env');
  });

  it('names no label for other fields or indexes out of range', () => {
    expect(errorKey('set', c)).toBeNull();
    expect(errorKey('name', c)).toBeNull();
    expect(errorKey(null, c)).toBeNull();
    expect(errorKey('set[5]', c)).toBeNull();
    expect(errorKey('unset[2]', c)).toBeNull();
  });
});
