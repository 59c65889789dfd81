"""``python -m minillm``: the book's models from a terminal.

python -m minillm train --recipe shakespeare-char [--device cpu] [--out runs/shakespeare]
torchrun --nproc_per_node=2 -m minillm train --recipe shakespeare-char-gpu
python -m minillm chat [--model assistant|chat-zh] [--strategy greedy|beam|sample]
python -m minillm generate --model shakespeare-char --prompt "ROMEO:" [--temperature 0.8 --top-p 0.9]
python -m minillm dm [--nlu-error 0.1] [--episodes 20000]   (play the user against a Q-learning agent)
python -m minillm student [--out _build/student] notebooks/*.ipynb   (solutions removed)
python -m minillm grade [--out _build/grade] submissions/*/*.ipynb   (answers put into the chapters)
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace


def _train(args) -> int:
    import torch
    from torch import distributed as dist

    from minillm.recipes import get_recipe, run_recipe

    recipe = get_recipe(args.recipe)
    if args.stop_at_val is not None:  # a copy: the named recipes in RECIPES stay as defined
        recipe = replace(recipe, stop_at_val=args.stop_at_val)
    device = args.device
    if "RANK" in os.environ:  # started by torchrun: one process per device
        cuda = torch.cuda.is_available() and device != "cpu"
        dist.init_process_group("nccl" if cuda else "gloo")
        if cuda:
            device = f"cuda:{int(os.environ['LOCAL_RANK'])}"
            torch.cuda.set_device(device)
    try:
        main = not dist.is_initialized() or dist.get_rank() == 0
        result = run_recipe(recipe, device=device, out_dir=args.out, log=print if main else None)
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    if main:
        step, val, seconds = result["evals"][-1]
        print(f"done: step {step}, val loss {val:.4f}, {seconds:.1f} s")
    return 0


QUIT_WORDS = ("bye", "quit", "exit", "再见", "拜拜")
GOODBYE = "再见，欢迎随时再来！"


def _line_editing() -> None:
    """Arrow keys, history and Ctrl-A/E at the prompt (GNU readline), where stdin is a terminal."""
    if sys.stdin.isatty():
        import readline  # noqa: F401  (importing it is what makes input() editable)


def _load_chat_model(name: str):
    """A shipped model by name, or a checkpoint folder (model.safetensors + tokenizer.json)."""
    from pathlib import Path

    from minillm import pretrained
    from minillm.models import GPT
    from minillm.tokenizers import Tokenizer

    folder = Path(name)
    if (folder / "model.safetensors").is_file():
        return GPT.from_checkpoint(folder), Tokenizer.load(folder / "tokenizer.json")
    return pretrained.load(name)


def interact(session, read=input, write=print) -> None:
    """The outline's interact loop: "User: " in, streamed "Assistant: " out, until a quit word or
    the end of input (Ctrl-D). Ctrl-C cancels the line being typed, or the reply being written."""
    while True:
        try:
            user_input = read("User: ")
        except EOFError:
            write("")
            break
        except KeyboardInterrupt:  # cancel this line, as a shell does
            write("")
            continue
        if user_input.strip().lower() in QUIT_WORDS:
            break
        write("Assistant: ", end="", flush=True)
        try:
            for piece in session.stream(user_input):
                write(piece, end="", flush=True)
        except KeyboardInterrupt:  # stop this reply, keep the conversation
            write(" …", end="")
        write("")
    write(f"Assistant: {GOODBYE}")


def _chat(args) -> int:
    if args.model == "assistant":
        from minillm.assistant import Assistant

        session = Assistant.load()
    else:
        from minillm.chat import ChatSession

        model, tokenizer = _load_chat_model(args.model)
        session = ChatSession(model, tokenizer, strategy=args.strategy)
    _line_editing()
    interact(session)
    return 0


def play_policy(chat, read=input, write=print) -> None:
    """Terminal front end of a ``PolicyChat``: each reply with the state and the top Q-values."""
    while True:
        try:
            text = read("你：")
        except EOFError:
            write("")
            break
        except KeyboardInterrupt:
            write("")
            continue
        if text.strip().lower() in QUIT_WORDS:
            write(f"客服：{GOODBYE}")
            break
        if not text.strip():  # an empty line is no turn of the dialogue
            continue
        reply = chat.send(text)
        write(f"客服：{reply.text}")
        write(f"  [{reply.state}]")
        if reply.q_values:
            best = sorted(reply.q_values.items(), key=lambda kv: -kv[1])[:4]
            write(
                "  Q: " + "  ".join(f"{'*' if a == reply.act else ''}{a}={q:.1f}" for a, q in best)
            )
        if reply.done:
            write("  （对话结束，继续输入开始新对话）")


def _dm(args) -> int:
    import time

    from minillm.rl import DialogueEnv, PolicyChat, train_agent

    start = time.perf_counter()
    print(
        f"training Q-learning on {args.episodes} simulated dialogues (NLU error {args.nlu_error})"
    )
    agent = train_agent(DialogueEnv(nlu_error=args.nlu_error), args.episodes, seed=args.seed)
    print(f"done in {time.perf_counter() - start:.1f} s; type 再见 or bye to quit")
    _line_editing()
    play_policy(PolicyChat(agent))
    return 0


def _generate(args) -> int:
    import torch

    from minillm.generation import GenerationConfig, stream

    model, tokenizer = _load_chat_model(args.model)
    sample = args.temperature is not None or args.top_k is not None or args.top_p is not None
    config = GenerationConfig(
        max_new_tokens=args.max_new_tokens,
        do_sample=sample,
        temperature=args.temperature or 1.0,
        top_k=args.top_k,
        top_p=args.top_p or 1.0,
    )
    prompt = args.prompt.encode().decode("unicode_escape") if args.escapes else args.prompt
    print(prompt, end="", flush=True)
    generator = torch.Generator().manual_seed(args.seed)
    for piece in stream(model, tokenizer, prompt, config, generator=generator):
        print(piece, end="", flush=True)
    print()
    return 0


def _student(args) -> int:
    from pathlib import Path

    from minillm.exercises.classroom import make_student_notebooks

    for path in make_student_notebooks([Path(p) for p in args.notebooks], Path(args.out)):
        print(path)
    return 0


def _grade(args) -> int:
    from pathlib import Path

    from minillm.exercises.classroom import grade_notebooks

    try:
        written = grade_notebooks(
            [Path(p) for p in args.submissions], Path(args.reference), Path(args.out)
        )
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="python -m minillm", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a GPT from a named recipe or a JSON file")
    train.add_argument("--recipe", default="shakespeare-char", help="recipe name or JSON file")
    train.add_argument("--device", default=None, help="cpu, cuda, cuda:N or mps (default: best)")
    train.add_argument("--out", default=None, help="folder for the best checkpoint and tokenizer")
    train.add_argument("--stop-at-val", type=float, default=None, help="stop at this val loss")
    chat = commands.add_parser("chat", help="talk to the shop's assistant or a chat model")
    chat.add_argument(
        "--model",
        default="assistant",
        help="assistant (NLU, state, policy, shop), or an end-to-end chat model: chat-zh or a folder",
    )
    chat.add_argument("--strategy", default="greedy", choices=["greedy", "beam", "sample"])
    gen = commands.add_parser("generate", help="continue a prompt with a model (greedy or sampled)")
    gen.add_argument("--model", default="shakespeare-char", help="shipped model name or folder")
    gen.add_argument("--prompt", default="\n", help="text to continue")
    gen.add_argument("--escapes", action="store_true", help=r"read \n and \t in --prompt")
    gen.add_argument("--max-new-tokens", type=int, default=200)
    gen.add_argument("--temperature", type=float, default=None, help="sample at this temperature")
    gen.add_argument("--top-k", type=int, default=None, help="sample from the k most likely")
    gen.add_argument("--top-p", type=float, default=None, help="sample from the nucleus of mass p")
    gen.add_argument("--seed", type=int, default=0)
    dm = commands.add_parser("dm", help="play the user against a Q-learning dialogue manager")
    dm.add_argument("--nlu-error", type=float, default=0.1, help="simulated NLU error in training")
    dm.add_argument("--episodes", type=int, default=20_000, help="training dialogues")
    dm.add_argument("--seed", type=int, default=0)
    student = commands.add_parser("student", help="write chapter notebooks without solutions")
    student.add_argument("notebooks", nargs="+", help="chapter notebooks")
    student.add_argument("--out", default="_build/student", help="folder for the student copies")
    grade = commands.add_parser("grade", help="put submitted answers into the chapter notebooks")
    grade.add_argument("submissions", nargs="+", help="student notebooks, one folder per student")
    grade.add_argument("--reference", default="notebooks", help="folder of the chapter notebooks")
    grade.add_argument("--out", default="_build/grade", help="folder for the notebooks to grade")
    args = parser.parse_args(argv)
    commands_by_name = {
        "chat": _chat,
        "dm": _dm,
        "generate": _generate,
        "grade": _grade,
        "student": _student,
        "train": _train,
    }
    try:
        return commands_by_name[args.command](args)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
