import { describe, expect, it } from 'vitest';
import { EMPTY_FORM, fieldOf, labelIndex, labelMessage, needsFingerprint, parseLabels, toNewDevice } from './addForm';

describe('parseLabels', () => {
  it('splits on commas and new lines and drops blanks', () => {
    expect(parseLabels('site=berlin, env=prod\nrole=gw')).toEqual(['site=berlin', 'env=prod', 'role=gw']);
    expect(parseLabels(' a=1 ,, \r\n\n b=2 ,')).toEqual(['a=1', 'b=2']);
    expect(parseLabels('')).toEqual([]);
    expect(parseLabels('  \n , ')).toEqual([]);
  });

  it('leaves checking each label to the core', () => {
    expect(parseLabels('site, =x, a==b')).toEqual(['site', '=x', 'a==b']);
  });
});

describe('toNewDevice', () => {
  const form = { ...EMPTY_FORM, name: ' gw-01 ', agentUrl: ' http://10.0.0.5:7000 ', token: 't0k', fingerprint: 'AB:CD' };

  it('sends a fingerprint only for an https agent', () => {
    expect(toNewDevice(form)).toEqual({
      name: 'gw-01',
      agent_url: 'http://10.0.0.5:7000',
      agent_token: 't0k',
      tls_fingerprint: null,
      labels: [],
    });
    const tls = toNewDevice({ ...form, agentUrl: 'HTTPS://gw:7443', labels: 'site=b' });
    expect(tls.tls_fingerprint).toBe('AB:CD');
    expect(tls.labels).toEqual(['site=b']);
    expect(toNewDevice({ ...form, agentUrl: 'https://gw', fingerprint: '  ' }).tls_fingerprint).toBeNull();
  });

  it('asks for the fingerprint only for https', () => {
    expect(needsFingerprint('https://gw')).toBe(true);
    expect(needsFingerprint('  HTTPS://gw')).toBe(true);
    expect(needsFingerprint('http://gw')).toBe(false);
    expect(needsFingerprint('https:/gw')).toBe(false);
  });
});

describe('errors at their field', () => {
  it('maps the core field to the input', () => {
    expect(fieldOf('agent_url')).toBe('agent_url');
    expect(fieldOf('agent_token')).toBe('agent_token');
    expect(fieldOf('tls_fingerprint')).toBe('tls_fingerprint');
    expect(fieldOf('name')).toBe('name');
    expect(fieldOf('labels[3]')).toBe('labels');
    expect(fieldOf('labels.site')).toBe('labels');
    expect(fieldOf('labels')).toBe('labels');
    expect(fieldOf('products.hmi.configured')).toBeNull();
    expect(fieldOf(null)).toBeNull();
  });

  it('names the label the core refused', () => {
    expect(labelIndex('labels[2]')).toBe(2);
    expect(labelIndex('labels')).toBeNull();
    expect(labelMessage('labels[1]', 'must be key=value (got "env")', ['site=b', 'env'])).toBe(
      'Label 2 (env): must be key=value (got "env")',
    );
    expect(labelMessage('labels', 'at most 32 labels (got 40)', [])).toBe('at most 32 labels (got 40)');
    expect(labelMessage('labels[9]', 'bad', ['a=b'])).toBe('bad');
  });
});
