/**
 * How Trail's statements name a commit: one in-toto ResourceDescriptor
 * (in-toto/attestation spec/v1/resource_descriptor.md), the same in the SLSA provenance
 * (`trail report slsa`) and the signed checkpoint statements (`trail export --format intoto`),
 * so a policy that matches one matches the other.
 *
 * - `name` is `ORG/NAME@<sha>`: a name for people and policies, the repository as its origin
 *   remote names it (else as given).
 * - `uri`, where the origin remote is on a host, is `git+https://HOST/ORG/NAME@<sha>`, the
 *   form SLSA's examples give a git source (VCS URI with the revision after `@`). Never a
 *   local path, which says nothing to anyone else, and never the credentials a remote URL may
 *   hold (`https://user:token@host/...`).
 * - `digest` is `gitCommit` alone: a DigestSet holds digests of one artifact, and two match
 *   when ANY field matches (spec/v1/digest_set.md), so a tree beside the commit would make any
 *   commit of the same tree match. The tree goes in `annotations`, where it informs a policy
 *   and matches nothing.
 */

/** A resource as in-toto statements describe it (spec/v1/resource_descriptor.md), the fields Trail writes. */
export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest: Record<string, string>;
  annotations?: Record<string, unknown>;
}

/** A repository as statements name it. */
export interface RepositoryIdentity {
  /** `ORG/NAME`, or whatever name the repository goes by (a folder's, one given). */
  name: string;
  /** `git+https://HOST/ORG/NAME` where its origin remote is on a host (remoteUri). */
  uri?: string;
}

/** The ResourceDescriptor of a commit of `repository`, with its tree where it is known. */
export function commitDescriptor(
  repository: RepositoryIdentity,
  commit: string,
  tree?: string,
): ResourceDescriptor {
  return {
    name: `${repository.name}@${commit}`,
    ...(repository.uri ? { uri: `${repository.uri}@${commit}` } : {}),
    digest: { gitCommit: commit },
    ...(tree ? { annotations: { gitTree: tree } } : {}),
  };
}

/** Schemes of remotes reached over the network; those over ssh or git:// are named by their https address. */
const NETWORK_SCHEMES: Record<string, 'https' | 'http'> = {
  'https:': 'https',
  'http:': 'http',
  'ssh:': 'https',
  'git+ssh:': 'https',
  'ssh+git:': 'https',
  'git:': 'https',
};

/** `user@host:path`, git's scp-like ssh form: no scheme, no slash before the colon. */
const SCP_LIKE = /^(?:[^@/]+@)?([^@/:\s]{2,}):(?!\/\/)(.+)$/;

/**
 * The `git+https://HOST/ORG/NAME` an origin remote's URL stands for, or undefined where it is
 * no host's: a local path, a `file://` URL, or one with fewer than two path segments. An
 * https or http remote keeps its scheme and port; an ssh or git:// one is named by its host's
 * https address (an ssh port is no https port). Credentials, query and fragment are dropped.
 */
export function remoteUri(remoteUrl: string): string | undefined {
  const text = remoteUrl.trim();
  let scheme: 'https' | 'http';
  let host: string;
  let path: string;
  const scp = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text) ? undefined : SCP_LIKE.exec(text);
  if (scp) {
    scheme = 'https';
    host = scp[1]!;
    path = scp[2]!;
  } else {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return undefined;
    }
    const mapped = NETWORK_SCHEMES[url.protocol];
    if (!mapped || !url.hostname) return undefined;
    scheme = mapped;
    host = mapped === url.protocol.slice(0, -1) && url.port ? `${url.hostname}:${url.port}` : url.hostname;
    path = url.pathname;
  }
  const segments = path
    .replace(/\.git\/*$/, '')
    .split('/')
    .filter((s) => s.length > 0 && s !== '.' && s !== '..');
  if (segments.length < 2) return undefined;
  // Built again through URL, so the host is checked and the path percent-encoded as a URL's is.
  let rebuilt: URL;
  try {
    rebuilt = new URL(`${scheme}://${host}/${segments.join('/')}`);
  } catch {
    return undefined;
  }
  if (!rebuilt.hostname || rebuilt.username || rebuilt.password) return undefined;
  return `git+${rebuilt.protocol}//${rebuilt.host}${rebuilt.pathname.replace(/\/+$/, '')}`;
}
