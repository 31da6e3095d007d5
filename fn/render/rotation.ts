// Certificate renewal in standalone mode: a small shell loop, run in a sidecar of the server's own
// image, that notices when the kubelet swaps a mounted secret (a new `..data` target) and makes
// the server use the new files: in place where the engine can reload them, by a restart in its
// own time slot where it cannot. No operator, no cluster-wide controller, no extra image.
import { type Obj, shared } from '../io/objects.js';
import { RESTRICTED_CONTAINER } from './workload.js';
import { shellSingleQuoted, shellWord } from '../text/shell.js';

/** Seconds between two looks at the mounted secrets; tests set it lower. */
export const WATCH_PERIOD_ENV = 'DBTLS_WATCH_PERIOD_SECONDS';
export const DEFAULT_WATCH_PERIOD = 10;
/** Restart kinds: length of each pod's time slot, so that one pod at a time restarts. */
export const RESTART_SLOT_ENV = 'DBTLS_RESTART_SLOT_SECONDS';
export const DEFAULT_RESTART_SLOT = 120;
/** The file name of the watcher in the kind's configuration ConfigMap. */
export const WATCHER_FILE = 'tls-watch.sh';
export const RELOADER_CONTAINER = 'tls-reloader';

/** How the server takes up renewed files. */
export type Takeup =
  /** Shell lines of a function that tells the running server to reload its TLS files. */
  | { reload: string[] }
  /** The server reads its certificate at start only: end the process named so (comm) in the
   *  pod's slot; the kubelet restarts the container. */
  | { restart: { process: string; replicas: number; what: string } };

export interface Rotation {
  /** Mount paths of the certificate volumes the kubelet swaps. */
  watched: readonly string[];
  /** Certificate and key files checked as a pair before the server is told. */
  pairs: readonly (readonly [string, string])[];
  /**
   * The trust bundle (CA rollover): the distinct `ca.crt` of every mounted secret, written to
   * `trust.file` (on a shared emptyDir) for the server and the clients inside the pod.
   */
  trust?: { file: string; from: readonly string[] };
  takeup: Takeup;
}

/**
 * The watcher. `sh tls-watch.sh` watches; `sh tls-watch.sh bundle` only writes the trust bundle
 * (what the server's start script runs before the server starts).
 */
export function watcherScript(r: Rotation): string {
  // Databases of one kind and shape share one script: one string, not one per database (N=5,000:
  // ~22 MB less, and the emitter writes a string it has seen from its cache).
  const key = JSON.stringify(r);
  let script = WATCHER_SCRIPTS.get(key);
  if (script === undefined) WATCHER_SCRIPTS.set(key, (script = buildWatcherScript(r)));
  return script;
}

const WATCHER_SCRIPTS = new Map<string, string>();

/**
 * The script top to bottom, as it runs: its settings, the functions the loop calls (each section
 * below returns its own lines, in the order they stand in the script), then the loop.
 */
function buildWatcherScript(r: Rotation): string {
  return [
    ...scriptSettings(r),
    '',
    ...linkFunctions(),
    ...(r.trust ? bundleFunction() : ['bundle() { :; }  # this kind keeps no trust bundle', '']),
    ...usableFunction(),
    ...('reload' in r.takeup
      ? ['takeup() {', ...r.takeup.reload.map((l) => `  ${l}`), '}']
      : restartFunctions(r.takeup.restart)),
    '',
    ...watchLoop(),
  ].join('\n');
}

/** What the script is for, and the values it runs with (quoted: paths come from the kind). */
function scriptSettings(r: Rotation): string[] {
  const restart = 'restart' in r.takeup ? r.takeup.restart : undefined;
  return [
    '#!/bin/sh',
    '# Rendered by dbtls: takes up renewed certificates. cert-manager rewrites a Secret; the',
    "# kubelet swaps the mounted files at once by pointing the volume's ..data link at a new",
    '# directory.',
    '# Every period this loop compares those links with what it saw last; on a change it checks',
    '# each new certificate against its key (a broken renewal leaves the server as it is), then',
    restart
      ? `# restarts ${restart.what} in this pod's own time slot (it reads its certificate at start).`
      : '# tells the server to reload its TLS files in place (open connections stay).',
    'set -u',
    `period="\${${WATCH_PERIOD_ENV}:-${DEFAULT_WATCH_PERIOD}}"`,
    `watched=${shellSingleQuoted(r.watched.join(' '))}`,
    `pairs=${shellSingleQuoted(r.pairs.map(([c, k]) => `${c}:${k}`).join(' '))}`,
    ...(r.trust
      ? [
          `trust=${shellSingleQuoted(r.trust.file)}`,
          `cas=${shellSingleQuoted(r.trust.from.join(' '))}`,
        ]
      : []),
  ];
}

/** Logging, and what the kubelet swapped: the ..data link of each watched volume. */
function linkFunctions(): string[] {
  return [
    'log() { echo "dbtls tls-watch: $*"; }',
    '',
    'target() { readlink "$1/..data" 2>/dev/null || echo none; }',
    '',
    '# What the kubelet last swapped in: the ..data target of each watched volume.',
    'links() {',
    '  for d in $watched; do printf \'%s=%s \' "$d" "$(target "$d")"; done',
    '}',
    '',
    '# The watched volumes whose ..data target differs from $1 (an earlier links).',
    'swapped() {',
    '  for d in $watched; do',
    '    case " $1" in *" $d=$(target "$d") "*) ;; *) printf \'%s \' "$d" ;; esac',
    '  done',
    '}',
    '',
  ];
}

/** A renewal is taken up only when each renewed certificate and its key are usable together. */
function usableFunction(): string[] {
  return [
    '# In the volumes $1: each certificate is PEM, its key is PEM, and (with openssl) they match.',
    'usable() {',
    '  ok=0',
    '  for p in $pairs; do',
    '    crt="${p%%:*}"; key="${p#*:}"',
    '    case " $1" in *" ${crt%/*} "*) ;; *) continue ;; esac',
    '    if ! grep -q "BEGIN CERTIFICATE" "$crt" 2>/dev/null; then',
    '      log "$crt holds no certificate"; ok=1; continue',
    '    fi',
    '    if ! grep -q "PRIVATE[ ]KEY" "$key" 2>/dev/null; then  # [ ]: no key marker in this file',
    '      log "$key holds no private key"; ok=1; continue',
    '    fi',
    '    if ! command -v openssl >/dev/null 2>&1; then',
    '      log "no openssl in the image: $crt and $key are PEM;" \\',
    '        "whether they match, the server checks"',
    '      continue',
    '    fi',
    '    a="$(openssl x509 -noout -pubkey -in "$crt" 2>/dev/null)"',
    '    b="$(openssl pkey -pubout -in "$key" 2>/dev/null)"',
    '    if [ -z "$a" ] || [ "$a" != "$b" ]; then log "the key $key does not match $crt"; ok=1; fi',
    '  done',
    '  return $ok',
    '}',
    '',
  ];
}

/** `bundle` mode writes the trust bundle and ends; otherwise the loop, every period. */
function watchLoop(): string[] {
  return [
    'if [ "${1:-watch}" = bundle ]; then bundle; exit; fi',
    "trap 'exit 0' TERM INT",
    'bundle',
    'last="$(links)"',
    'log "watching $watched every ${period}s"',
    'while sleep "$period"; do',
    '  now="$(links)"',
    '  [ "$now" = "$last" ] && continue',
    '  changed="$(swapped "$last")"',
    '  last="$now"',
    '  log "renewed certificates are mounted in $changed"',
    '  if ! usable "$changed"; then',
    '    log "kept the certificates in use: the renewed files are no usable certificate and key"',
    '    continue',
    '  fi',
    '  bundle || log "could not write the trust bundle"',
    '  takeup || log "the server did not take up the renewed certificates"',
    'done',
    '',
  ];
}

/**
 * CA rollover: trust every CA that some mounted secret still carries, each once, so that
 * certificates of the old and of the new CA are both accepted until every secret is renewed.
 */
function bundleFunction(): string[] {
  return [
    '# CA rollover: trust every CA that some mounted secret still carries, each once, so that',
    '# certificates of the old and of the new CA are both accepted until every secret is renewed.',
    'bundle() {',
    '  tmp="$trust.tmp.$$"',
    '  : > "$tmp" || return 1',
    '  seen=""',
    '  for f in $cas; do',
    '    [ -s "$f" ] || continue',
    '    sum="$(cksum < "$f")"',
    '    case "$seen" in *"[$sum]"*) continue ;; esac',
    '    seen="$seen[$sum]"',
    '    awk 1 "$f" >> "$tmp"  # each file ends with a line break',
    '  done',
    '  mv -f "$tmp" "$trust"',
    '}',
    '',
  ];
}

/**
 * A restart in this pod's slot: time is cut into slots of DBTLS_RESTART_SLOT_SECONDS, slot i
 * belonging to ordinal i modulo the replicas, so two pods never restart in the same slot however
 * far apart the kubelet delivered the renewal to them.
 */
function restartFunctions(r: { process: string; replicas: number; what: string }): string[] {
  return [
    `slot="\${${RESTART_SLOT_ENV}:-${DEFAULT_RESTART_SLOT}}"`,
    `replicas=${r.replicas}`,
    '',
    '# Processes of this pod (shared process namespace) named so.',
    'pids_of() {',
    '  for p in /proc/[0-9]*; do',
    '    [ "$(cat "$p/comm" 2>/dev/null)" = "$1" ] && printf \'%s \' "${p#/proc/}"',
    '  done',
    '}',
    '',
    'wait_for_slot() {',
    '  ordinal="${HOSTNAME##*-}"',
    '  case "$ordinal" in *[!0-9]*|"") ordinal=0 ;; esac',
    '  now="$(date +%s)"',
    '  k=$(( (ordinal % replicas - (now / slot) % replicas + replicas) % replicas ))',
    "  # In our slot but past its start: the restart might run into the next pod's slot.",
    '  if [ "$k" -eq 0 ] && [ $(( now % slot * 4 )) -ge "$slot" ]; then k=$replicas; fi',
    '  [ "$k" -eq 0 ] && return',
    '  wait=$(( (now / slot + k) * slot - now ))',
    '  log "restarting in ${wait}s, in the slot of pod $ordinal"',
    '  sleep "$wait"',
    '}',
    '',
    'takeup() {',
    '  wait_for_slot',
    `  pids="$(pids_of ${r.process})"`,
    `  if [ -z "$pids" ]; then log "no ${r.process} process to restart"; return 1; fi`,
    `  log "restarting ${r.what} (pid $pids): it reads its certificate at start only"`,
    '  kill -TERM $pids',
    '}',
  ];
}

/** A process of this pod named `process` (comm) gets SIGHUP: Vault reloads its listener. */
export function signalReload(process: string, signal: string, what: string): string[] {
  return [
    'pids=""',
    'for p in /proc/[0-9]*; do',
    `  [ "$(cat "$p/comm" 2>/dev/null)" = "${process}" ] && pids="$pids \${p#/proc/}"`,
    'done',
    `if [ -z "$pids" ]; then log "no ${process} process to signal"; return 1; fi`,
    `kill -${signal} $pids && log "sent ${signal} to ${what} (pid$pids)"`,
  ];
}

const RELOADER_RESOURCES = shared({
  requests: { cpu: '5m', memory: '16Mi' },
  limits: { memory: '32Mi' },
});
const RELOADER_SECURITY = shared({
  ...RESTRICTED_CONTAINER,
  seccompProfile: { type: 'RuntimeDefault' },
});

/**
 * The sidecar running the watcher: the server's image (its shell, and the server's own client
 * where a reload is an SQL statement), the pod's user, tiny requests.
 */
export interface Reloader {
  image: string;
  script: string;
  env?: Obj[];
  mounts: Obj[];
}

export function reloaderContainer(o: Reloader): Obj {
  // One frozen container per image and mounts, shared by every database that has them: the
  // emitter writes it once (objects.ts `shared`), and N=5,000 holds one instead of 5,000.
  const key = JSON.stringify(o);
  let container = RELOADERS.get(key);
  if (container === undefined) RELOADERS.set(key, (container = shared(buildReloader(o))));
  return container;
}

const RELOADERS = new Map<string, Obj>();

function buildReloader(o: Reloader): Obj {
  return {
    name: RELOADER_CONTAINER,
    image: o.image,
    command: ['/bin/sh', o.script],
    env: [...(o.env ?? []), { name: WATCH_PERIOD_ENV, value: String(DEFAULT_WATCH_PERIOD) }],
    resources: RELOADER_RESOURCES,
    volumeMounts: o.mounts,
    securityContext: RELOADER_SECURITY,
  };
}

/** The emptyDir where the watcher writes the trust bundle: small, in memory. */
export function trustVolume(name: string): Obj {
  return { name, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } };
}

/** Where the sidecar finds the watcher when the kind's configuration is not mounted whole. */
export const WATCHER_DIR = '/etc/dbtls-watch';

/** The watcher alone, from the kind's ConfigMap, where the server reads a whole directory. */
export function watcherVolume(configMapName: string): Obj {
  return { name: 'tls-watch', configMap: { name: configMapName, items: WATCHER_ITEMS } };
}
const WATCHER_ITEMS = shared([{ key: WATCHER_FILE, path: WATCHER_FILE }]);
export const WATCHER_MOUNT = shared({ name: 'tls-watch', mountPath: WATCHER_DIR, readOnly: true });

/**
 * What a start script runs before the server when TLS is on: the watcher in `configDir` writes
 * the trust bundle first (renewals write it again).
 */
export function trustBundleLines(configDir: string): string[] {
  return [
    '# The CAs to trust, from the mounted secrets (renewals: tls-watch.sh).',
    `sh ${shellWord(`${configDir}/${WATCHER_FILE}`)} bundle`,
  ];
}
