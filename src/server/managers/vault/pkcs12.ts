/**
 * Password-protected PKCS#12 bundles. forge's own writer leaves the certificates in the
 * clear and MACs with SHA-1; these are written from their ASN.1 instead.
 */
import forge from 'node-forge';
import { integerNum, octets, oid, seq } from './asn1';
import type { Key } from './x509';

const { pki, asn1, md } = forge;

const PKCS12_ITERATIONS = 200_000;
const P7_ENCRYPTED_DATA = '1.2.840.113549.1.7.6';

/** PBES2: PBKDF2 with HMAC-SHA-256 and AES-256-CBC, as forge encrypts a private key; returns [algorithm, ciphertext]. */
function pbes2(content: forge.asn1.Asn1, password: string): [forge.asn1.Asn1, string] {
  const info = pki.encryptPrivateKeyInfo(content, forge.util.encodeUtf8(password), {
    algorithm: 'aes256',
    count: PKCS12_ITERATIONS,
    prfAlgorithm: 'sha256',
    saltSize: 16,
  } as never);
  const [algorithm, encrypted] = info.value as forge.asn1.Asn1[];
  return [algorithm!, encrypted!.value as string];
}

const contentInfo = (type: string, content: forge.asn1.Asn1) =>
  seq([oid(type), asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [content])]);

/**
 * A password-protected PKCS#12: the key in a shrouded key bag and the certificates in an
 * encrypted bag, both PBES2 (PBKDF2-HMAC-SHA-256, 200,000 iterations, AES-256-CBC), with
 * an HMAC-SHA-256 MAC. forge's own writer leaves certificates in the clear and MACs with SHA-1.
 */
export function toPkcs12(key: Key, chain: forge.pki.Certificate[], password: string, friendlyName: string): Buffer {
  const first = chain[0]!;
  const sha1 = md.sha1.create();
  sha1.update(asn1.toDer(pki.certificateToAsn1(first)).getBytes());
  const attrs = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [
    seq([
      oid(pki.oids.localKeyId!),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [octets(sha1.digest().getBytes())]),
    ]),
    seq([
      oid(pki.oids.friendlyName!),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BMPSTRING, false, friendlyName),
      ]),
    ]),
  ]);
  const certBags = chain.map((cert, i) =>
    seq([
      oid(pki.oids.certBag!),
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
        seq([
          oid(pki.oids.x509Certificate!),
          asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
            octets(asn1.toDer(pki.certificateToAsn1(cert)).getBytes()),
          ]),
        ]),
      ]),
      ...(i === 0 ? [attrs] : []),
    ]),
  );
  const [certAlg, certCipher] = pbes2(seq(certBags), password);
  const encryptedCerts = contentInfo(
    P7_ENCRYPTED_DATA,
    seq([
      integerNum(0),
      seq([oid(pki.oids.data!), certAlg, asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, certCipher)]),
    ]),
  );
  const [keyAlg, keyCipher] = pbes2(pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(key)), password);
  const keyBag = seq([
    oid(pki.oids.pkcs8ShroudedKeyBag!),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [seq([keyAlg, octets(keyCipher)])]),
    attrs,
  ]);
  const keyData = contentInfo(pki.oids.data!, octets(asn1.toDer(seq([keyBag])).getBytes()));
  const safe = seq([encryptedCerts, keyData]);
  const safeDer = asn1.toDer(safe).getBytes();
  const salt = forge.random.getBytesSync(16);
  const macKey = forge.pkcs12.generateKey(
    password,
    forge.util.createBuffer(salt),
    3,
    PKCS12_ITERATIONS,
    32,
    md.sha256.create(),
  );
  const hmac = forge.hmac.create();
  hmac.start('sha256', macKey.getBytes());
  hmac.update(safeDer);
  const macData = seq([
    seq([
      seq([oid(pki.oids.sha256!), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')]),
      octets(hmac.digest().getBytes()),
    ]),
    octets(salt),
    integerNum(PKCS12_ITERATIONS),
  ]);
  const pfx = seq([integerNum(3), contentInfo(pki.oids.data!, octets(safeDer)), macData]);
  return Buffer.from(asn1.toDer(pfx).getBytes(), 'binary');
}
