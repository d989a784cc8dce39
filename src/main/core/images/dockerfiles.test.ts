import { describe, expect, it } from 'vitest';
import {
  baseDockerfile,
  benchmarkDockerfile,
  imageNames,
  monolithDockerfile,
  taskDockerfile,
} from './dockerfiles';

describe('imageNames', () => {
  it('follows the official naming with the given prefix and tag', () => {
    const names = imageNames('lancer-sample', 'latest', 'trixie');
    expect(names.os).toBe('lancer-sample-os:trixie');
    expect(names.base('0123456789abcdef')).toBe('lancer-sample-base:0123456789ab');
    expect(names.benchmark).toBe('lancer-sample:latest');
    expect(names.task('12155_1')).toBe('lancer-sample_12155_1:latest');
    expect(names.monolith).toBe('lancer-sample_monolith:latest');
  });

  it('refuses names Docker would refuse, and ids that could inject Dockerfile text', () => {
    expect(() => imageNames('Lancer', 'latest', 'trixie')).toThrow(/prefix/);
    expect(() => imageNames('lancer', 'bad tag', 'trixie')).toThrow(/tag/);
    const names = imageNames('lancer', 'v1', 'trixie');
    expect(() => names.task('1 2')).toThrow(/question id/);
    expect(() => names.task('1\nRUN rm -rf /')).toThrow(/question id/);
    expect(() => taskDockerfile('x', 'a;b')).toThrow(/question id/);
  });
});

describe('Dockerfiles', () => {
  it('base: one RUN that installs without recommends and removes the apt lists', () => {
    const text = baseDockerfile('lancer-sample-os:trixie', ['zip', 'git', 'git']);
    expect(text.startsWith('FROM lancer-sample-os:trixie\n')).toBe(true);
    expect(text.match(/^RUN /gm)).toHaveLength(1);
    expect(text).toContain('--no-install-recommends');
    expect(text).toContain('rm -rf /var/lib/apt/lists/*');
    // sorted and deduplicated, so the hash does not depend on list order
    expect(text.indexOf('        git')).toBeLessThan(text.indexOf('        zip'));
    expect(text.match(/ {8}git \\/g)).toHaveLength(1);
  });

  it('benchmark: the agreed layout and the official entrypoint', () => {
    const text = benchmarkDockerfile('lancer-sample-base:abc');
    expect(text).toContain('COPY playwright-core/ /app/node_modules/playwright-core/');
    expect(text).toContain('make-repo.sh /app/sample');
    expect(text).toContain('COPY sample/runtime/utils/ /app/tests/utils/');
    expect(text).toContain('COPY sample/issues/ /app/tests/issues/');
    expect(text).toContain('WORKDIR /app/sample');
    expect(text).toContain('ENV DISPLAY=:99');
    expect(text).toContain('ENTRYPOINT ["/bin/bash", "-l", "-c"]');
    expect(text).toContain('CMD ["/app/tests/run.sh"]');
  });

  it('task and monolith add only their ENV (and the task its set-up)', () => {
    expect(taskDockerfile('lancer-sample:latest', '9001')).toBe(
      'FROM lancer-sample:latest\nENV ISSUE_ID=9001\nRUN bash /app/tests/setup_task.sh\n',
    );
    expect(monolithDockerfile('lancer-sample:latest')).toBe('FROM lancer-sample:latest\nENV RUNTIME_SETUP=true\n');
  });
});
