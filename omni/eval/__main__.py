"""`python -m omni.eval --list` shows the registered benchmarks, their files and whether they are present;
`[torchrun ...] python -m omni.eval run --benchmark NAME --model DIR --out DIR` runs one (omni.eval.runner);
`run --benchmark A,B --model DIR --dry_run` checks files and folders first (omni.eval.dry_run)."""

from __future__ import annotations

import argparse
import json

from omni.eval.benchmarks import default_eval_root, get_benchmark, table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Omni evaluation")
    parser.add_argument("command", nargs="?", choices=["run"], help="run a benchmark")
    parser.add_argument("--list", action="store_true", help="list the registered benchmarks")
    parser.add_argument("--eval_root", default=None, help=f"default: $OMNI_EVAL_ROOT or {default_eval_root()}")
    parser.add_argument("--benchmark", help="a registered benchmark (with --dry_run: several, comma-separated)")
    parser.add_argument("--dry_run", action="store_true", help="check the benchmarks' files and the model's folders, "
                        "count the items, and exit (0 ready, 2 missing, 1 unknown benchmark): no weights are loaded")
    parser.add_argument("--model", help="an Omni model save_pretrained folder (LLaVA, MM1, DreamLLM, …)")
    parser.add_argument("--out", help="where predictions, exports and results.json go")
    parser.add_argument("--limit", type=int, default=None, help="only the first N items")
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prompt", default=None, help="override the benchmark's prompt template")
    parser.add_argument("--max_new_tokens", type=int, default=None)
    t2i = parser.add_argument_group("text-to-image (coco30k_fid)")
    t2i.add_argument("--best_of", type=int, default=1, help="CLIP re-ranking of N candidates (reported as best of N)")
    t2i.add_argument("--clip_dir", default=None, help="a local CLIP folder: CLIP score and re-ranking")
    t2i.add_argument("--steps", type=int, default=25)
    t2i.add_argument("--guidance", type=float, default=3.0)
    t2i.add_argument("--scheduler", default="ddim")
    args = parser.parse_args(argv)
    if args.list:
        print(table(args.eval_root))
        return
    if args.command != "run":
        parser.error("nothing to do: --list, or run --benchmark NAME --model DIR --out DIR")
    if args.dry_run:
        if args.benchmark is None or args.model is None:
            parser.error("run --dry_run needs --benchmark and --model")
        from omni.eval.dry_run import eval_dry_run

        raise SystemExit(eval_dry_run(args.benchmark, args.model, args.eval_root, args.limit, args.batch_size))
    missing = [name for name in ("benchmark", "model", "out") if getattr(args, name) is None]
    if missing:
        parser.error(f"run needs --{', --'.join(missing)}")
    from omni.eval.answerers import OmniAnswerer
    from omni.eval.runner import run_benchmark
    from omni.eval.t2i_runner import run_t2i

    benchmark = get_benchmark(args.benchmark)
    if benchmark.task == "t2i":
        results = run_t2i(benchmark, OmniAnswerer(args.model), args.out, args.eval_root, args.limit or 30000,
                          args.seed, args.batch_size, args.best_of, args.clip_dir, None, args.steps, args.guidance,
                          args.scheduler)
    else:
        results = run_benchmark(benchmark, OmniAnswerer(args.model), args.out, args.eval_root, args.limit,
                                args.batch_size, args.seed, args.prompt, args.max_new_tokens)
    if results is not None:
        print(json.dumps(results["scores"], indent=1))
        print(f"results: {args.out}/results.json")


if __name__ == "__main__":
    main()
