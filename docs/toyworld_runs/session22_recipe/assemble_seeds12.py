"""Assemble seeds 1 and 2's chain (joint stage I -> stage II at 1e-4 -> stage III with pairs at 1e-4, run as separate
probes in sessions 19-22) into recipe-shaped folders work_dirs/toy-seedN that report_toy and the slow tests read."""
import json, os, sys
from pathlib import Path
root = Path('/work/main')
for seed in (1, 2):
    run = root / f'work_dirs/toy-seed{seed}'
    parts = {'stage1_joint': root / f'work_dirs/session19/joint/s{seed}-t2',
             'stage2_igpt': root / f'work_dirs/session21/probe/s{seed}-II-lr1e-4',
             'stage3_sft': root / f'work_dirs/session21/probe/s{seed}-IIlr-III-pairs-lr'}
    times = {}
    for name, src in parts.items():
        dst = run / name
        dst.mkdir(parents=True, exist_ok=True)
        for f in src.iterdir():
            if f.name.startswith('eval'):
                continue
            link = dst / f.name
            if not link.exists():
                link.symlink_to(f)
        evals = [src / 'eval/eval/eval.json'] + ([src / 'eval_rest/eval/eval.json'] if (src / 'eval_rest').exists() else [])
        if name == 'stage3_sft':  # the chats again, with what is drawn judged against the attached picture too
            evals.append(Path(f'/work/runs/s22/chats-s{seed}/eval/eval.json'))
        merged = {}
        for e in evals:
            d = json.loads(e.read_text())
            tasks = list(dict.fromkeys(merged.get('tasks', []) + d['tasks']))
            secs = merged.get('seconds', 0) + (0 if set(d['tasks']) <= set(merged.get('tasks', [])) else d['seconds'])
            merged.update(d); merged['tasks'] = tasks; merged['seconds'] = round(secs, 1)
            for f in e.parent.iterdir():
                if f.name != 'eval.json' and not (run / name / 'eval' / f.name).exists():
                    (run / name / 'eval').mkdir(exist_ok=True)
                    (run / name / 'eval' / f.name).symlink_to(f)
        (dst / 'eval').mkdir(exist_ok=True)
        (dst / 'eval/eval.json').write_text(json.dumps(merged, indent=1))
        rec = json.loads((src / 'recipe.json').read_text())
        times.update({f'{name} ({k})': v for k, v in rec.get('times', {}).items()})
    rec = json.loads((parts['stage3_sft'] / 'recipe.json').read_text())
    rec['times'] = times
    rec['note'] = ('assembled from separate runs: stage1_joint (session 20), stage II at 1e-4 (session 21), stage III with '
                   'the pairs at 1e-4 (sessions 21-22); each run on this machine with one process, global batch 16')
    (run / 'recipe.json').write_text(json.dumps(rec, indent=1))
    print(run, times)
