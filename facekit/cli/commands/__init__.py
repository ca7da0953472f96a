"""The commands of `facekit`, one module each; every module has `run(args, console)`.

`facekit emulator` runs a server rather than a client, so its `run` takes `args` only.
"""
