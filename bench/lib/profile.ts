// Reads a V8 .cpuprofile (node --cpu-prof) and sums self time by where the code lives: a package under
// node_modules, a file of this repository, or Node's own internals; plus the top functions.
import { readFileSync } from 'node:fs';

interface CpuProfile {
  nodes: {
    id: number;
    children?: number[];
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  byPlace: { place: string; ms: number; share: number }[];
  topFunctions: { fn: string; ms: number; share: number }[];
}

const V8_SPECIAL = new Set(['(garbage collector)', '(program)', '(root)', '(idle)']);

export function placeOf(url: string): string {
  if (url === '') return '(v8)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return 'node (internals)';
  const repo = /\/(src|test|bench)\/(.*)$/.exec(url);
  if (repo !== null) return `${repo[1]}/${repo[2]}`;
  return url;
}

export function summariseProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  /** Native (C++) functions have no URL: name them after the nearest JavaScript caller's place. */
  const placeOfNode = (id: number): string => {
    const node = byId.get(id);
    if (node === undefined) return '(v8)';
    const { functionName, url } = node.callFrame;
    if (url !== '') return placeOf(url);
    if (V8_SPECIAL.has(functionName)) return `(v8 ${functionName.slice(1, -1)})`;
    let up = parent.get(id);
    while (up !== undefined) {
      const caller = byId.get(up);
      if (caller !== undefined && caller.callFrame.url !== '')
        return `native, called from ${placeOf(caller.callFrame.url)}`;
      up = parent.get(up);
    }
    return 'native';
  };
  const places = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue; // waiting, not working
    totalUs += us;
    const place = placeOfNode(node.id);
    places.set(place, (places.get(place) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${place}:${lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const rank = <K extends string>(map: Map<string, number>, key: K) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        [key]: name,
        ms: Math.round(us / 100) / 10,
        share: Math.round((1000 * us) / totalUs) / 10,
      }));
  return {
    totalMs: Math.round(totalUs / 1000),
    byPlace: rank(places, 'place') as ProfileSummary['byPlace'],
    topFunctions: rank(functions, 'fn') as ProfileSummary['topFunctions'],
  };
}
