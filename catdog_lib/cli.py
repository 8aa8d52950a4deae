"""The ``catdog`` command: a thin layer over functions the notebooks call too.

    catdog info [--json]
    catdog prepare --source kaggle|oxford-pets|folder [--from DIR] --dest DIR
    catdog train --data DIR [--epochs N] [--size S] ... [--fast]
    catdog predict --model PATH IMAGE... [--json]
    catdog build | collect NOTEBOOK... | demo

Errors are one line on stderr and a non-zero exit, never a traceback.
"""
import argparse
import json
import sys


def cmd_info(args):
    from .hardware import format_report, hardware_report

    report = hardware_report()
    print(json.dumps(report, indent=2) if args.json else format_report(report))


def cmd_prepare(args):
    from .prepare import prepare

    prepare(source=args.source, dest=args.dest, from_dir=args.from_dir,
            val_fraction=args.val_fraction, seed=args.seed, report=print)


def cmd_train(args):
    from .fit import train_cli

    train_cli(args)


def cmd_predict(args):
    from .bundle import predict_cli

    predict_cli(args)


def cmd_build(args):
    from .course.build import build_cli

    build_cli(args)


def cmd_collect(args):
    from .course.collect import collect_cli

    collect_cli(args)


def cmd_demo(args):
    from .demo import demo_cli

    demo_cli(args)


def get_args_parser():
    parser = argparse.ArgumentParser(prog="catdog", description="Teach a ResNet18 to tell cats from dogs.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("info", help="describe this machine: CPU, RAM, GPU, CUDA, versions")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("prepare", help="get, index, split and arrange the data")
    p.add_argument("--source", choices=["auto", "kaggle", "oxford-pets", "folder"], default="auto",
                   help="where the photos come from (auto: $CATDOG_DATA, else Kaggle, else Oxford pets)")
    p.add_argument("--from", dest="from_dir", metavar="DIR", help="the folder, for --source folder")
    p.add_argument("--dest", metavar="DIR", help="where to put the data (default: data/ in the kit)")
    p.add_argument("--val-fraction", type=float, default=0.25)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("train", help="fine-tune the ResNet18 on prepared data")
    p.add_argument("--data", required=True, metavar="DIR", help="a folder with train/ and val/")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--weights", default="DEFAULT", help="DEFAULT (ImageNet) or none (random)")
    p.add_argument("--checkpoint", metavar="PATH", help="resume from and save to this checkpoint")
    p.add_argument("--out", default="runs/latest", metavar="DIR", help="where the model, history and plots go")
    p.add_argument("--device", help="cpu, cuda, mps (default: the best there is)")
    p.add_argument("--workers", type=int, default=None, help="data loader processes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fast", action="store_true", help="decode once into a cache, augment on the device")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("predict", help="classify photos with a trained model")
    p.add_argument("--model", required=True, metavar="PATH", help="a model bundle from catdog train")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("build", help="make lessons/ from solutions/ (as nbgrader's generate_assignment)")
    p.add_argument("--solutions", default=None, metavar="DIR")
    p.add_argument("--lessons", default=None, metavar="DIR")
    p.add_argument("--check", action="store_true", help="only say whether lessons/ is up to date")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("collect", help="pull the piece cells out of saved notebooks into a workspace")
    p.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    p.add_argument("--workspace", metavar="DIR", help="default: $CATDOG_WORKSPACE or my_pieces/")
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser("demo", help="run the whole course headless and save the executed notebooks")
    p.add_argument("--out", default=None, metavar="DIR")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv=None):
    args = get_args_parser().parse_args(argv)
    from .errors import CatdogError

    try:
        args.func(args)
    except CatdogError as e:
        print(f"catdog {args.command}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"catdog {args.command}: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError) as e:
        print(f"catdog {args.command}: {e}", file=sys.stderr)
        return 1
    return 0
