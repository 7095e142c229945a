import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { COMMANDS, WALKTHROUGH_CONTEXT, WALKTHROUGH_FULL_ID, WALKTHROUGH_ID } from '../../../src/host/commands';

const ROOT = resolve(__dirname, '..', '..', '..', '..');

interface Step { id: string; title: string; description: string; media: { markdown?: string; image?: string }; completionEvents?: string[] }
interface Manifest {
  publisher: string;
  name: string;
  contributes: {
    commands: Array<{ command: string; title: string; icon?: string }>;
    menus: Record<string, Array<{ command: string; when?: string; group?: string }>>;
    walkthroughs: Array<{ id: string; title: string; steps: Step[] }>;
  };
}

const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as Manifest;
const commands = new Set(pkg.contributes.commands.map((c) => c.command));

test('the walkthrough is the one Seg-R1: Get Started opens', () => {
  assert.equal(`${pkg.publisher}.${pkg.name}#${WALKTHROUGH_ID}`, WALKTHROUGH_FULL_ID);
  const w = pkg.contributes.walkthroughs?.find((x) => x.id === WALKTHROUGH_ID);
  assert.ok(w, 'no walkthrough with the id');
  assert.ok(commands.has(COMMANDS.getStarted) && commands.has(COMMANDS.createSample));
  assert.deepEqual(w.steps.map((s) => s.id), ['sample', 'open', 'read', 'group', 'edit', 'traces']);
});

test('every step has local, theme-neutral Markdown and a completion event that can fire', () => {
  const w = pkg.contributes.walkthroughs.find((x) => x.id === WALKTHROUGH_ID)!;
  const contexts = new Set<string>(Object.values(WALKTHROUGH_CONTEXT));
  for (const step of w.steps) {
    assert.ok(step.media.markdown && !step.media.image, `${step.id}: media must be Markdown`);
    const file = resolve(ROOT, step.media.markdown);
    assert.ok(file.startsWith(resolve(ROOT, 'media', 'walkthrough')) && existsSync(file), `${step.id}: ${step.media.markdown} missing`);
    const md = readFileSync(file, 'utf8');
    assert.ok(!/!\[|<img|https?:\/\/|<svg|color\s*[:=]/iu.test(md), `${step.id}: external image, HTML or a fixed colour in ${step.media.markdown}`);
    assert.ok(step.completionEvents?.length, `${step.id}: no completion event`);
    for (const e of step.completionEvents) {
      const [kind, arg] = [e.split(':')[0], e.slice(e.indexOf(':') + 1)];
      if (kind === 'onCommand') assert.ok(commands.has(arg), `${step.id}: ${e} names no contributed command`);
      else if (kind === 'onContext') assert.ok(contexts.has(arg), `${step.id}: ${e} names a context key nothing sets`);
      else assert.ok(['onStepSelected', 'onView'].includes(kind!), `${step.id}: ${e}`);
    }
    for (const [, cmd] of step.description.matchAll(/\(command:([\w.]+)\)/gu)) assert.ok(commands.has(cmd!), `${step.id}: link to unknown ${cmd}`);
  }
});

test('the Runs view title offers Open Workbench (with an icon), Reward Traces and Refresh', () => {
  const title = pkg.contributes.menus['view/title']!.filter((m) => m.when?.includes('view == segr1.runs'));
  for (const id of [COMMANDS.openWorkbench, COMMANDS.openTraces, COMMANDS.refresh]) {
    const entry = title.find((m) => m.command === id);
    assert.ok(entry?.group?.startsWith('navigation'), `${id} not in the Runs view title bar`);
    assert.ok(pkg.contributes.commands.find((c) => c.command === id)?.icon, `${id} has no icon`);
  }
});
