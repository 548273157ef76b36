/** The pod (and container, when the path goes that deep) a kubepods cgroup path names. */
export interface CgroupPod {
  podUid: string;
  /** Bare hex container id. */
  containerId?: string;
}

const UID = '[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}';
const QOS = '(?:burstable|besteffort)';

/*
 * cgroupfs driver:  /kubepods[/<qos>]/pod<uid>/<id>
 * systemd driver:   /kubepods.slice[/kubepods-<qos>.slice]/kubepods[-<qos>]-pod<uid_with_underscores>.slice/<runtime>-<id>.scope
 * Guaranteed pods have no QoS level; runtimes name scopes cri-containerd-, docker-, crio-.
 * Nested roots (kind, a kubelet in a container) put more in front, so the match is not anchored.
 */
const POD = new RegExp(
  `/kubepods(?:\\.slice)?(?:/${QOS}|/kubepods-${QOS}\\.slice)?/(?:kubepods-(?:${QOS}-)?)?pod(${UID})(?:\\.slice)?(?:/|$)`,
  'i',
);
const CONTAINER = /^(?:[a-z][a-z-]{0,31}-)?([0-9a-f]{64})(?:\.scope)?(?:\/|$)/i;

export function podFromCgroup(path: string): CgroupPod | undefined {
  if (path.length > 4096) return undefined;
  const m = POD.exec(path);
  if (!m) return undefined;
  const podUid = m[1]!.replace(/_/g, '-').toLowerCase();
  const c = CONTAINER.exec(path.slice(m.index + m[0].length));
  return { podUid, ...(c ? { containerId: c[1]!.toLowerCase() } : {}) };
}
