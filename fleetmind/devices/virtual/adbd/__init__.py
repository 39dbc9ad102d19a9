"""Virtual phones behind a real ADB server protocol, so ADB clients drive them unchanged.

    async with AdbServer(virtual_phones(2), port=0) as server:   # asyncio
        ...
    with AdbServerThread(virtual_phones(2)) as adb:                # from synchronous code
        adbutils.AdbClient("127.0.0.1", adb.port).device_list()

See `server.py` for the protocol, `commands.py` for the shell commands served.
"""

from .background import AdbServerThread
from .handset import Handset
from .server import ADB_SERVER_VERSION, AdbServer, emulator_serial, virtual_phones

__all__ = ["ADB_SERVER_VERSION", "AdbServer", "AdbServerThread", "Handset", "emulator_serial", "virtual_phones"]
