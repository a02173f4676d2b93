/** A peer's client config, as text and as a QR code: for the admin and for the peer it belongs to. */
import QRCode from 'qrcode';
import type { Db } from '../../db';
import { ForbiddenError, InvalidStateError } from '../../errors';
import type { SessionUser } from '../accounts';
import { cellInfo, clientModel, decrypted, isActive, renderClientConfig, serverRow } from '../wireguard';
import { effectivePeerToPeer, ownedRow } from './peer-views';
import { runtimeOf } from '../../runtime/runtime';

export function peerConfig(db: Db, id: number, session: SessionUser): { name: string; text: string } {
  const row = ownedRow(db, id, session);
  // A disabled or expired peer keeps its portal, but not the keys to a tunnel it may not use.
  if (session.role !== 'admin' && !isActive(row, runtimeOf(db).clock()))
    throw new ForbiddenError(`${row.name} is disabled: ask your admin to enable it`);
  const model = clientModel(cellInfo(db), serverRow(db), {
    ...row,
    peerToPeer: effectivePeerToPeer(db, row),
    privateKey: decrypted(row.privateKeyEnc, 'peers.private_key_enc'),
    presharedKey: decrypted(row.presharedKeyEnc, 'peers.preshared_key_enc'),
  });
  return { name: row.name, text: renderClientConfig(model) };
}

const QR_LEVELS = ['H', 'Q', 'M', 'L'] as const;

/** The client config as an SVG QR code, at the highest error correction that still fits. */
export async function peerQr(db: Db, id: number, session: SessionUser) {
  const { text } = peerConfig(db, id, session);
  for (const level of QR_LEVELS) {
    try {
      const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: level, margin: 2 });
      return { svg, level };
    } catch (err) {
      if (!/too big|amount of data/i.test((err as Error).message)) throw err;
    }
  }
  throw new InvalidStateError('This config is too long for a QR code: download the file instead');
}
