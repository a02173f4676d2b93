/**
 * What a service's accounts look like to the service: an htpasswd file of bcrypt hashes, and
 * the rights that keep each user to their own collections (Radicale) or folder (Apache) and
 * give a group's members a shared one. Pure. Every name is checked again here: it lands in a
 * file the service parses, where a newline or a regex would be a new rule.
 */
import { checked, GENERATED } from '../render-guard';

export interface AccountEntry {
  username: string;
  /** bcrypt, as `$2a$`, `$2b$` or `$2y$`. */
  passwordHash: string;
}

export interface SharedGroup {
  /** The folder or collection's name, unique in the service. */
  slug: string;
  /** The group's name, for people. */
  name: string;
  members: string[];
}

const USERNAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;
const SLUG = /^[a-z0-9][a-z0-9-]{0,47}$/;
const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

/** One line per user. Apache reads bcrypt only as `$2y$` (the same algorithm), so every hash is written so. */
export function renderHtpasswd(entries: readonly AccountEntry[]): string {
  const lines = [...entries]
    .sort((a, b) => a.username.localeCompare(b.username))
    .map(
      (e) =>
        `${checked(e.username, USERNAME, 'a username')}:${checked(e.passwordHash, BCRYPT, 'a bcrypt hash').replace(/^\$2[ab]\$/, '$2y$')}`,
    );
  return [`# ${GENERATED}`, ...lines, ''].join('\n');
}

/** A group's shared folder name: its name in lowercase letters, digits and hyphens, numbered when two meet. */
export function sharedSlugs(groups: readonly { id: number; name: string }[]): Map<number, string> {
  const base = (name: string) =>
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'group';
  const counts = new Map<string, number>();
  for (const g of groups) counts.set(base(g.name), (counts.get(base(g.name)) ?? 0) + 1);
  return new Map(groups.map((g) => [g.id, counts.get(base(g.name))! > 1 ? `${base(g.name)}-${g.id}` : base(g.name)]));
}

/** A literal inside a Radicale rule: regex-escaped, braces doubled (`str.format`), `%` doubled (configparser). */
const literal = (s: string) =>
  s
    .replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')
    .replace(/[{}]/g, (c) => c + c)
    .replace(/%/g, '%%');

function section(name: string, user: string, collection: string, permissions: string): string[] {
  return [`[${name}]`, `user: ${user}`, `collection: ${collection}`, `permissions: ${permissions}`, ''];
}

/**
 * Radicale's `from_file` rights: every signed-in user lists the root and owns everything under
 * their own name; a group's members list `<shared>/<slug>` and read and write what is in it.
 * The first matching section wins, so groups come before the catch-alls that would refuse.
 */
export function renderRadicaleRights(input: { shared: string; groups: readonly SharedGroup[] }): string {
  const shared = checked(input.shared, /^[a-z0-9][a-z0-9-]{0,39}$/, 'the shared collections folder');
  const lines = [`# ${GENERATED}`, ''];
  lines.push(...section('root', '.+', '', 'R'));
  lines.push(...section('shared', '.+', literal(shared), 'R'));
  for (const g of [...input.groups].sort((a, b) => a.slug.localeCompare(b.slug))) {
    const slug = checked(g.slug, SLUG, 'a shared collection');
    const members = g.members.map((m) => literal(checked(m, USERNAME, 'a username')));
    if (!members.length) continue;
    const who = `(${[...members].sort().join('|')})`;
    lines.push(...section(`group-${slug}`, who, `${literal(shared)}/${literal(slug)}`, 'R'));
    lines.push(...section(`group-${slug}-items`, who, `${literal(shared)}/${literal(slug)}/[^/]+`, 'rw'));
  }
  // Nothing else under the shared folder, whoever asks (a user named like it included).
  lines.push(...section('shared-others', '.*', `${literal(shared)}(/.*)?`, ''));
  lines.push(...section('principal', '.+', '{user}', 'RW'));
  lines.push(...section('own', '.+', '{user}/[^/]+', 'rw'));
  return lines.join('\n');
}

/** Radicale's properties of a shared calendar (and address book), as its storage keeps them. */
export function radicaleCollectionProps(kind: 'calendar' | 'addressbook', displayName: string): string {
  const props =
    kind === 'calendar'
      ? {
          'C:supported-calendar-component-set': 'VEVENT,VTODO,VJOURNAL',
          'D:displayname': displayName,
          tag: 'VCALENDAR',
        }
      : { 'D:displayname': displayName, tag: 'VADDRESSBOOK' };
  return JSON.stringify(props);
}

/**
 * Apache's access for a WebDAV tree: `/<user>` for that user only, `/<shared>/<slug>` for the
 * group's members. Included by the image's site configuration after its own rule for `/`
 * (any signed-in user may list, nobody may write there), so these replace it below.
 */
export function renderApacheAccess(input: {
  shared: string;
  users: readonly string[];
  groups: readonly SharedGroup[];
}): string {
  const shared = checked(input.shared, /^[a-z0-9][a-z0-9-]{0,39}$/, 'the shared folder');
  const lines = [`# ${GENERATED}`];
  // A match on the folder with or without its slash: `/alice` is Alice's folder too.
  const location = (path: string, users: readonly string[]) => {
    const who = users.map((u) => checked(u, USERNAME, 'a username'));
    lines.push(`<LocationMatch "^/${path.replace(/[.-]/g, '\\$&')}(/|$)">`);
    lines.push(who.length ? `  Require user ${who.join(' ')}` : '  Require all denied', '</LocationMatch>');
  };
  for (const u of [...input.users].sort()) location(checked(u, USERNAME, 'a username'), [u]);
  for (const g of [...input.groups].sort((a, b) => a.slug.localeCompare(b.slug)))
    location(`${shared}/${checked(g.slug, SLUG, 'a shared folder')}`, [...g.members].sort());
  return [...lines, ''].join('\n');
}
