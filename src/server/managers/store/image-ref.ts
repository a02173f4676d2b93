/** Image references as registries read them. */

export interface ImageName {
  /** Where the registry answers: `registry-1.docker.io`, `localhost:5000`. */
  registry: string;
  repository: string;
  digest: string | null;
}

/** Splits a reference into registry, repository and pinned digest (Docker Hub's defaults made explicit). */
export function parseImage(reference: string): ImageName {
  const [name, digest] = reference.split('@') as [string, string | undefined];
  let path = name;
  const slash = path.lastIndexOf('/');
  const colon = path.lastIndexOf(':');
  if (colon > slash) path = path.slice(0, colon);
  const parts = path.split('/');
  const hasRegistry = parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === 'localhost');
  if (hasRegistry) return { registry: parts[0]!, repository: parts.slice(1).join('/'), digest: digest ?? null };
  return {
    registry: 'registry-1.docker.io',
    repository: parts.length === 1 ? `library/${path}` : path,
    digest: digest ?? null,
  };
}

/** The reference the engine pulls and runs: the same digest, through the mirror when there is one. */
export function pullReference(image: string, mirror: string | null): string {
  if (!mirror) return image;
  const { repository, digest } = parseImage(image);
  return `${new URL(mirror).host}/${repository}@${digest}`;
}

/**
 * The repository an image reference names, as signatures spell it: no tag or digest, and
 * Docker Hub's implicit `docker.io/` and `library/` made explicit.
 */
export function repositoryOf(reference: string): string {
  const { registry, repository } = parseImage(reference);
  return `${registry === 'registry-1.docker.io' ? 'docker.io' : registry}/${repository}`;
}
