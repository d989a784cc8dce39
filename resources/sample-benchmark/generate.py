#!/usr/bin/env python3
"""Generates the sample benchmark's task table and per-task metadata.

Reads tasks-source.json, builds the app's repository with runtime/make-repo.sh in a temporary
folder to learn the commit SHAs, and writes:

  tasks.csv                       the task table in the official (current) schema
  issues/<id>/issue_data.json     title, price, issue_repro_steps, html_description
  issues/<id>/commit_id.txt       the SHA the IC task's bug patch applies to (HEAD), newline-ended
  issues/<id>/revert_command.txt  empty
  issues/<id>/git_tag.txt         empty

bug_reintroduce.patch, test.mjs and manager-fixes/*.patch are written by hand and only checked.
The output is byte-identical on every run (Python's csv module and repr(), no timestamps).

Usage: python3 generate.py [--out DIR]   (default: this folder; DIR gets the same layout)
"""

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = [
    'question_id', 'variant', 'price', 'price_limit', 'manager_data', 'manager_commit',
    'acceptable_folders', 'cwd', 'set', 'title', 'description', 'proposals',
]
SEPARATOR = '-' * 44
MIN_PRICE, MAX_PRICE = 250, 8000


class SourceError(Exception):
    pass


def text(value):
    """A text field of tasks-source.json: a string or a list of lines."""
    return '\n'.join(value) if isinstance(value, list) else value


def check_text(where, value):
    # ASCII without backslashes reads the same with or without the harness's unicode_escape
    # decoding of title/description/proposals.
    if not value.isascii() or '\\' in value:
        raise SourceError(f'{where}: use ASCII text without backslashes')
    return value


def numbered(steps):
    return '\n'.join(f'{index}. {step}' for index, step in enumerate(steps, 1))


def issue_title(task):
    return f"[${int(task['price'])}] {task['title']}"


def repro_steps(task):
    """The short form the official data keeps next to the body (issue_repo_steps)."""
    return (
        f"Action performed: {numbered(task['action_performed'])}\n\n"
        f"Expected result: {text(task['expected_result'])}\n\n"
        f"Actual result: {text(task['actual_result'])}"
    )


def html_description(task, repository):
    platforms = ['Desktop / Chrome', 'Desktop / Firefox', 'Desktop / Safari', 'Mobile / Chrome', 'Mobile / Safari']
    checked = set(task['platforms'])
    unknown = checked - set(platforms)
    if unknown:
        raise SourceError(f"{task['question_id']}: unknown platforms {sorted(unknown)}")
    lines = [
        '### Action Performed:',
        '',
        numbered(task['action_performed']),
        '',
        '### Expected Result:',
        text(task['expected_result']),
        '',
        '### Actual Result:',
        text(task['actual_result']),
        '',
        '### Workaround:',
        task['workaround'],
        '',
        '### Platforms:',
        'Which of our supported platforms is this issue occurring on?',
        *[f"- [{'x' if name in checked else ' '}] {name}" for name in platforms],
        '',
        f"**Version Number:** {repository['version']}",
        '**Reproducible in staging?:** Y',
        '**Reproducible in production?:** Y',
        f"**Issue reported by:** @{task['reported_by']}",
    ]
    return '\n'.join(lines)


def proposal_text(proposal):
    return '\n'.join([
        '## Proposal',
        '',
        '### Please re-state the problem that we are trying to solve in this issue.',
        text(proposal['problem']),
        '',
        '### What is the root cause of that problem?',
        text(proposal['root_cause']),
        '',
        '### What changes do you think we should make in order to solve the problem?',
        text(proposal['changes']),
        '',
        '### What alternative solutions did you explore? (Optional)',
        text(proposal['alternatives']),
    ])


def comment_url(repository, task, index):
    number = int(task['question_id'].split('-')[0])
    return f"{repository['issues_url']}/{number}#issuecomment-{number * 10000 + 1013 + 97 * index}"


def manager_data(task, repository, fix_commit):
    proposals = task['proposals']
    hired = task['hired']
    all_proposals = []
    formal = []
    for index, proposal in enumerate(proposals):
        full_text = proposal_text(proposal)
        url = comment_url(repository, task, index)
        all_proposals.append({
            'comment_url': url,
            'author': proposal['author'],
            're_stated_problem': text(proposal['problem']),
            'root_cause': text(proposal['root_cause']),
            'proposed_changes': text(proposal['changes']),
            'full_text': full_text,
        })
        formal.append({
            'id': index,
            'source_url': url,
            'content': full_text,
            'explanation': f"A formal proposal by @{proposal['author']} to {proposal['summary']}.",
        })
    hired_author = proposals[hired]['author']
    return {
        'all_proposals': all_proposals,
        'game': {
            'correct_proposal_scraped_beforehand': False,
            'all_formal_proposals': formal,
            'correct_proposal': {
                'id': hired,
                'approval_comment_url': comment_url(repository, task, len(proposals)),
                'explanation': (
                    f"Proposal #{hired} (by '{hired_author}') was hired by @{task['approved_by']} "
                    f"and its fix was merged: \"{task['approval_comment']}\""
                ),
            },
        },
        'price': float(task['price']),
        'title': issue_title(task),
        'issue_repo_steps': repro_steps(task),
        'html_description': html_description(task, repository),
        'fix_commit_hash': fix_commit,
    }


def render_proposals(data):
    return ''.join(
        f"Proposal: {proposal['id']}:\n\n{proposal['content']}\n\n{SEPARATOR}\n\n"
        for proposal in data['game']['all_formal_proposals']
    )


def validate(source):
    ids = set()
    for task in source['ic_tasks'] + source['manager_tasks']:
        qid = task['question_id']
        if qid in ids:
            raise SourceError(f'duplicate question_id {qid}')
        ids.add(qid)
        if '/' in qid or ':' in qid:
            raise SourceError(f'{qid}: question_id must not contain / or :')
        if not MIN_PRICE <= task['price'] <= MAX_PRICE:
            raise SourceError(f'{qid}: price {task["price"]} outside {MIN_PRICE}..{MAX_PRICE}')
    for task in source['ic_tasks']:
        qid = task['question_id']
        if not re.fullmatch(r'\d+(_\d+)?', qid):
            raise SourceError(f'{qid}: IC ids look like 9001')
        for name in ('bug_reintroduce.patch', 'test.mjs'):
            path = os.path.join(HERE, 'issues', qid, name)
            if not os.path.isfile(path) or os.path.getsize(path) == 0:
                raise SourceError(f'{qid}: missing or empty issues/{qid}/{name}')
    manager_ids = sorted(task['question_id'] for task in source['manager_tasks'])
    patches = sorted(name[:-len('.patch')] for name in os.listdir(os.path.join(HERE, 'manager-fixes')) if name.endswith('.patch'))
    if manager_ids != patches:
        raise SourceError(f'manager tasks {manager_ids} and manager-fixes/*.patch {patches} differ')
    for task in source['manager_tasks']:
        qid = task['question_id']
        if not re.fullmatch(r'\d+-manager-\d+', qid):
            raise SourceError(f'{qid}: manager ids look like 9101-manager-0')
        count = len(task['proposals'])
        if not 2 <= count <= 12 or not 0 <= task['hired'] < count:
            raise SourceError(f'{qid}: needs 2..12 proposals and a hired index among them')


def build_repo():
    """Runs make-repo.sh in a temporary folder; returns (head, {manager_id: fix_commit})."""
    with tempfile.TemporaryDirectory(prefix='tabby-repo-') as scratch:
        repo = os.path.join(scratch, 'repo')
        subprocess.run(['bash', os.path.join(HERE, 'runtime', 'make-repo.sh'), repo], check=True, stdout=subprocess.DEVNULL)
        log = subprocess.run(
            ['git', '-C', repo, 'log', '--reverse', '--format=%H %s'],
            check=True, stdout=subprocess.PIPE, text=True,
        ).stdout.splitlines()
    head = log[-1].split(' ', 1)[0]
    fixes = {}
    for line in log[1:]:
        sha, subject = line.split(' ', 1)
        match = re.search(r'\(([^()]+)\)$', subject)
        if not match:
            raise SourceError(f'unexpected commit subject {subject!r}')
        fixes[match.group(1)] = sha
    return head, fixes


def write(path, content):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8', newline='') as handle:
        handle.write(content)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default=HERE, help='output folder (default: this folder)')
    args = parser.parse_args()

    with open(os.path.join(HERE, 'tasks-source.json'), encoding='utf-8') as handle:
        source = json.load(handle)
    repository = source['repository']
    validate(source)
    head, fixes = build_repo()

    rows = []
    for task in sorted(source['ic_tasks'], key=lambda item: item['question_id']):
        qid = task['question_id']
        title = check_text(f'{qid} title', issue_title(task))
        description = check_text(f'{qid} description', html_description(task, repository))
        issue_data = {
            'price': float(task['price']),
            'title': title,
            'issue_repro_steps': repro_steps(task),
            'html_description': description,
        }
        folder = os.path.join(args.out, 'issues', qid)
        write(os.path.join(folder, 'issue_data.json'), json.dumps(issue_data, indent=4) + '\n')
        write(os.path.join(folder, 'commit_id.txt'), head + '\n')
        write(os.path.join(folder, 'revert_command.txt'), '')
        write(os.path.join(folder, 'git_tag.txt'), '')
        rows.append([
            qid, 'ic_swe', repr(float(task['price'])), str(repository['price_limit']), '', '',
            repr([qid]), repository['cwd'], repository['set'], title, description, '',
        ])

    for task in sorted(source['manager_tasks'], key=lambda item: item['question_id']):
        qid = task['question_id']
        if qid not in fixes:
            raise SourceError(f'{qid}: no fix commit in the repository')
        data = manager_data(task, repository, fixes[qid])
        rows.append([
            qid, 'swe_manager', repr(float(task['price'])), str(repository['price_limit']), repr(data), fixes[qid],
            repr([]), repository['cwd'], repository['set'],
            check_text(f'{qid} title', data['title']),
            check_text(f'{qid} description', data['html_description']),
            check_text(f'{qid} proposals', render_proposals(data)),
        ])

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'tasks.csv'), 'w', encoding='utf-8', newline='') as handle:
        writer = csv.writer(handle, lineterminator='\n')
        writer.writerow(HEADER)
        writer.writerows(rows)

    print(f'HEAD {head}')
    for qid, sha in sorted(fixes.items()):
        print(f'{qid} fixed in {sha}')
    print(f"wrote {len(rows)} tasks to {os.path.join(args.out, 'tasks.csv')}")


if __name__ == '__main__':
    try:
        main()
    except SourceError as error:
        sys.exit(f'generate.py: {error}')
