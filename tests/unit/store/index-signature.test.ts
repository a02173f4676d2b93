import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@/lib/canonical-json';
import { indexKey, IndexSignatureError, signIndex, verifyIndex } from '@/server/managers/store';

describe('canonical JSON (RFC 8785)', () => {
  it("matches the RFC's own example", () => {
    // RFC 8785, section 3.2.2 (input) and 3.2.3 (output).
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts members by UTF-16 code units, at every depth (an astral character before U+FB33)', () => {
    expect(
      canonicalJson({ b: 1, a: { d: [2, { z: 0, y: 1 }], c: null }, '\u20ac': 1, '\ud83d\ude00': 2, '\ufb33': 3 }),
    ).toBe('{"a":{"c":null,"d":[2,{"y":1,"z":0}]},"b":1,"\u20ac":1,"\ud83d\ude00":2,"\ufb33":3}');
  });

  it('refuses what has no JSON form', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/no JSON form/);
    expect(() => canonicalJson(['\ud800'])).toThrow(/lone surrogate/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/no JSON form/);
  });
});

describe('the signed index', () => {
  const publisher = generateKeyPairSync('ed25519');
  const stranger = generateKeyPairSync('ed25519');
  const pem = (k: typeof publisher) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const trusted = [indexKey('pic-2026', pem(publisher))];
  const doc = { indexVersion: 1, services: [{ id: 'calendar', version: '3.2.0' }], published: '2026-12-01T00:00:00Z' };

  it('verifies whatever the member order or spacing of the document as served', () => {
    const signed = signIndex(doc, 'pic-2026', publisher.privateKey);
    const served = JSON.stringify(
      { signature: signed.signature, services: doc.services, published: doc.published, indexVersion: 1 },
      null,
      2,
    );
    expect(verifyIndex(served, trusted)).toMatchObject(doc);
  });

  it('refuses a changed, unsigned, foreign-keyed or unparsable index, saying which', () => {
    const signed = signIndex(doc, 'pic-2026', publisher.privateKey);
    const changed = { ...signed, services: [{ id: 'calendar', version: '9.9.9' }] };
    const refuse = (text: string, message: RegExp) => {
      expect(() => verifyIndex(text, trusted)).toThrow(IndexSignatureError);
      expect(() => verifyIndex(text, trusted)).toThrow(message);
    };
    refuse(JSON.stringify(changed), /changed after signing/);
    refuse(JSON.stringify(doc), /not signed/);
    refuse(
      JSON.stringify(signIndex(doc, 'someone', stranger.privateKey)),
      /key "someone", which this cell does not trust/,
    );
    refuse(JSON.stringify(signIndex(doc, 'pic-2026', stranger.privateKey)), /does not verify under key pic-2026/);
    refuse('{"services": [', /not JSON/);
    refuse('[1,2]', /not a JSON object/);
  });

  it('only Ed25519 keys are index keys', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => indexKey('ec', ec.toString())).toThrow(/not an Ed25519 key/);
  });
});
