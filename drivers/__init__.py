"""Device I/O: serial recoil kits and trackers, light guns, cameras, scripted input.

Each device runs in its own thread and emits input events stamped with host monotonic
time onto an `InputQueue`. Must not import engine, panda3d or direct.
"""
