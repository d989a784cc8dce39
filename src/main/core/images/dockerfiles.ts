/**
 * Image names and Dockerfile texts of the sample benchmark's images.
 *
 * The chain mirrors the official SWE-Lancer images (base → per-task / monolith) with one extra
 * split: the OS packages live in their own image so editing the benchmark never re-downloads
 * Chromium, and every per-task image adds only its ENV and the set-up layer on top of one shared
 * benchmark image.
 */

/** The default image name prefix, as the official `swelancer_x86`. */
export const DEFAULT_PREFIX = 'lancer-sample';
/** The default tag of the benchmark, per-task and monolith images, as the official default. */
export const DEFAULT_TAG = 'latest';
/**
 * The default Debian release. Not bookworm: bookworm's nodejs is 18, and the playwright-core the
 * tests use (1.64) refuses to start below Node 20. trixie ships Node 20 with the same packages.
 */
export const DEFAULT_SUITE = 'trixie';
export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/**
 * Debian packages of the base image: a browser and a virtual display for the UI tests, ffmpeg
 * for screen recordings, node for the app and its tests, the tools the task scripts call, and
 * `python` (python3 with python-is-python3): the official agent protocol runs each reply's code
 * with `python -c`, as the official images' conda python does.
 */
export const BASE_PACKAGES: readonly string[] = [
  'ca-certificates',
  'chromium',
  'ffmpeg',
  'fonts-liberation',
  'git',
  'nodejs',
  'patch',
  'procps',
  'python-is-python3',
  'python3-minimal',
  'unzip',
  'x11-utils',
  'xvfb',
  'zip',
];

/**
 * dpkg filters that keep documentation, man pages and translations out of the image, as Debian's
 * own slim images do; they save tens of megabytes across the packages above.
 */
export const DPKG_SLIM_CONFIG = [
  'path-exclude /usr/share/doc/*',
  'path-include /usr/share/doc/*/copyright',
  'path-exclude /usr/share/man/*',
  'path-exclude /usr/share/groff/*',
  'path-exclude /usr/share/info/*',
  'path-exclude /usr/share/lintian/*',
  'path-exclude /usr/share/linda/*',
  'path-exclude /usr/share/locale/*',
  'path-include /usr/share/locale/locale.alias',
  '',
].join('\n');

const IMAGE_PART_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const QUESTION_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Throws unless `prefix` is a valid repository name part (lowercase, as Docker requires). */
export function assertPrefix(prefix: string): void {
  if (!prefix.split('/').every((p) => IMAGE_PART_RE.test(p))) {
    throw new Error(`invalid image prefix ${JSON.stringify(prefix)}: use lowercase letters, digits, '.', '_' or '-'`);
  }
}

/** Throws unless `tag` is a valid Docker tag. */
export function assertTag(tag: string): void {
  if (!TAG_RE.test(tag)) throw new Error(`invalid image tag ${JSON.stringify(tag)}`);
}

/**
 * Throws unless `id` is a plausible question id. Ids end up in image names and in an ENV line, so
 * anything beyond letters, digits, '.', '_' and '-' is refused rather than escaped.
 */
export function assertQuestionId(id: string): void {
  if (!QUESTION_ID_RE.test(id)) throw new Error(`invalid question id ${JSON.stringify(id)}`);
}

/** The names of every image in the chain, for one prefix and tag. */
export interface ImageNames {
  os: string;
  /** The base image is named by its own inputs hash, so two package sets can coexist. */
  base: (hash: string) => string;
  benchmark: string;
  task: (questionId: string) => string;
  monolith: string;
}

/** Builds the official-style names: `<prefix>_<question_id>:<tag>` and `<prefix>_monolith:<tag>`. */
export function imageNames(prefix: string, tag: string, suite: string): ImageNames {
  assertPrefix(prefix);
  assertTag(tag);
  assertTag(suite);
  return {
    os: `${prefix}-os:${suite}`,
    base: (hash) => `${prefix}-base:${hash.slice(0, 12)}`,
    benchmark: `${prefix}:${tag}`,
    // Docker repository names are lowercase; question ids like "12155_1" already are.
    task: (questionId) => {
      assertQuestionId(questionId);
      return `${prefix}_${questionId.toLowerCase()}:${tag}`;
    },
    monolith: `${prefix}_monolith:${tag}`,
  };
}

/** The Dockerfile of the base image: the OS plus the Debian packages, with apt lists removed. */
export function baseDockerfile(from: string, packages: readonly string[] = BASE_PACKAGES): string {
  const sorted = [...new Set(packages)].sort();
  return [
    `FROM ${from}`,
    'COPY dpkg-slim.cfg /etc/dpkg/dpkg.cfg.d/90-lancer-slim',
    'ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8',
    // One RUN so the downloaded lists and archives never land in a layer.
    'RUN set -eux; \\',
    '    apt-get -o Acquire::Retries=3 update; \\',
    '    apt-get -o Acquire::Retries=3 install -y --no-install-recommends \\',
    ...sorted.map((p) => `        ${p} \\`),
    '    ; \\',
    '    apt-get clean; \\',
    '    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log',
    '',
  ].join('\n');
}

/**
 * The Dockerfile of the shared benchmark image, following the layout agreed with the sample
 * benchmark: the app's repo at /app/sample (made by its make-repo.sh inside the build, so commit
 * ids are the same everywhere), the tests under /app/tests, and the official entrypoint.
 *
 * The context holds `sample/` (the sample benchmark, without docker/) and `playwright-core/`.
 * playwright-core comes first: it changes least often, so its layer is reused the most. It goes
 * to /app/node_modules, outside /app/tests, as the official images install their test
 * dependencies outside it: the harness zips /app/tests at every set-up and unzips it at every
 * grading, and 14 MB of library there cost ~0.6 s an attempt. The tests' `import` still finds it,
 * Node looking in the node_modules of every folder above them.
 */
export function benchmarkDockerfile(from: string): string {
  return [
    `FROM ${from}`,
    'COPY playwright-core/ /app/node_modules/playwright-core/',
    'COPY sample/ /tmp/lancer-sample/',
    'RUN set -eux; \\',
    '    bash /tmp/lancer-sample/runtime/make-repo.sh /app/sample; \\',
    '    rm -rf /tmp/lancer-sample',
    'COPY sample/runtime/utils/ /app/tests/utils/',
    'COPY sample/runtime/run.sh sample/runtime/run_tests.sh sample/runtime/setup_task.sh /app/tests/',
    'COPY sample/issues/ /app/tests/issues/',
    'WORKDIR /app/sample',
    'ENV DISPLAY=:99',
    'ENTRYPOINT ["/bin/bash", "-l", "-c"]',
    'CMD ["/app/tests/run.sh"]',
    '',
  ].join('\n');
}

/**
 * The Dockerfile of one IC task's image: the benchmark image with the task's broken state baked
 * in at build time, as the official per-task images do. Only the ENV and the set-up layer are new.
 */
export function taskDockerfile(from: string, questionId: string): string {
  assertQuestionId(questionId);
  return [`FROM ${from}`, `ENV ISSUE_ID=${questionId}`, 'RUN bash /app/tests/setup_task.sh', ''].join('\n');
}

/** The Dockerfile of the monolith: set-up happens at container start, for the ISSUE_ID given then. */
export function monolithDockerfile(from: string): string {
  return [`FROM ${from}`, 'ENV RUNTIME_SETUP=true', ''].join('\n');
}
