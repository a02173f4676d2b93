/**
 * A WebDAV folder as the off-site target: the archive is PUT under a temporary name, MOVEd into
 * place, and its size read back. Every address the URL's name resolves to is checked first.
 */
import fs from 'node:fs';
import { outboundRequest, type OutboundOptions } from '../../../runtime/outbound';
import { archivesOf, OffsiteError, PROBE_TEXT, probeName, type Remote } from './target';

export interface WebdavOptions {
  url: string;
  username: string;
  password: string | null;
  refuse: (address: string) => string | null;
}

/** The files of a PROPFIND answer (Depth 1): each response's last path segment, size and time. */
function filesOf(xml: string) {
  const tag = (block: string, name: string) =>
    new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([^<]*)<`, 'i').exec(block)?.[1]?.trim();
  return xml
    .split(/<(?:[\w-]+:)?response[\s>]/i)
    .slice(1)
    .filter((block) => !/<(?:[\w-]+:)?collection\s*\/?>/i.test(block))
    .flatMap((block) => {
      const href = tag(block, 'href');
      const size = Number(tag(block, 'getcontentlength'));
      if (!href || !Number.isFinite(size)) return [];
      const modified = Date.parse(tag(block, 'getlastmodified') ?? '');
      const last = href.replace(/\/+$/, '').split('/').pop() ?? '';
      let name = last;
      try {
        name = decodeURIComponent(last);
      } catch {
        /* not percent-encoded as it should be: kept as it is, and left out unless it is an archive's name */
      }
      return [{ name, size, modifiedAt: Number.isNaN(modified) ? null : new Date(modified) }];
    });
}

function problem(label: string, status: number, what: string): OffsiteError {
  if (status === 401) return new OffsiteError(`${label} refused the user name or password`);
  if (status === 403) return new OffsiteError(`${label} does not let this user ${what}`);
  if (status === 507) return new OffsiteError(`${label} is full (507 Insufficient Storage)`);
  if (status === 409) return new OffsiteError(`The folder above ${label} is not there: make it first`);
  return new OffsiteError(`${label} answered ${status} when asked to ${what}`);
}

export function webdavRemote(o: WebdavOptions): Remote {
  const base = new URL(o.url);
  const label = `${base.origin}${base.pathname}`;
  const auth = `Basic ${Buffer.from(`${o.username}:${o.password ?? ''}`).toString('base64')}`;
  const at = (name: string) => new URL(encodeURIComponent(name), base).toString();
  const call = (url: string, opts: OutboundOptions & { method: string }) =>
    outboundRequest(url, {
      timeoutMs: 60_000,
      ...opts,
      headers: { authorization: auth, ...opts.headers },
      refuse: o.refuse,
    });
  const expect = async (what: string, ok: number[], url: string, opts: OutboundOptions & { method: string }) => {
    const res = await call(url, opts);
    if (!ok.includes(res.status)) throw problem(label, res.status, what);
    return res;
  };

  // MKCOL answers 405 when the folder is there already.
  const folder = () => expect('make its folder', [201, 405], label, { method: 'MKCOL' });

  async function put(file: string, name: string, onBytes?: (sent: number) => void) {
    await folder();
    const size = fs.statSync(file).size;
    const body = fs.createReadStream(file);
    let sent = 0;
    if (onBytes) body.on('data', (c) => onBytes((sent += c.length)));
    const part = at(`${name}.part`);
    await expect('take the archive', [200, 201, 204], part, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body,
    });
    await expect('rename the archive', [201, 204], part, {
      method: 'MOVE',
      headers: { destination: at(name), overwrite: 'T' },
    });
    const head = await call(at(name), { method: 'PROPFIND', headers: { depth: '0' } });
    const length = /<(?:\w+:)?getcontentlength>(\d+)</i.exec(head.text)?.[1];
    if (head.status !== 207 || Number(length) !== size)
      throw new OffsiteError(`${label} holds ${length ?? 'no'} bytes of ${name} after the upload, not ${size}`);
  }

  return {
    label,
    put,
    async list() {
      const res = await expect('list its files', [207], label, {
        method: 'PROPFIND',
        headers: { depth: '1' },
        maxBytes: 4 * 1024 * 1024,
      });
      return archivesOf(filesOf(res.text));
    },
    async download(name, sink) {
      await expect('send an archive back', [200], at(name), { method: 'GET', sink, timeoutMs: 60_000 });
    },
    async remove(name) {
      await expect('remove an archive', [200, 204, 404], at(name), { method: 'DELETE' });
    },
    async probe() {
      await folder();
      const name = probeName();
      await expect('write a file', [200, 201, 204], at(name), {
        method: 'PUT',
        headers: { 'content-type': 'text/plain' },
        body: PROBE_TEXT,
      });
      try {
        const back = await expect('read a file back', [200], at(name), { method: 'GET' });
        if (back.text !== PROBE_TEXT) throw new OffsiteError(`${label} gave back something else than was written`);
      } finally {
        await expect('remove a file', [200, 204, 404], at(name), { method: 'DELETE' });
      }
    },
    close() {},
  };
}
