#!/usr/bin/env python3
"""Drives the Apache RocketMQ C++ client (PyPI rocketmq 0.4.4) for ferrymq's
interop tests. Prints one JSON line with what the client saw.

    NAMESRV=host:port TOPIC=t python peer_cpp.py route
"""
import ctypes
import json
import os
import sys

from rocketmq.client import PullConsumer
from rocketmq.exceptions import ffi_check
from rocketmq.ffi import _CMessageQueue, dll


def route():
    consumer = PullConsumer(os.environ.get("GROUP", "ferrymq_interop_cpp"))
    consumer.set_namesrv_addr(os.environ["NAMESRV"])
    consumer.start()
    queues = ctypes.POINTER(_CMessageQueue)()
    count = ctypes.c_int()
    # FetchSubscriptionMessageQueues asks the name server for the route.
    ffi_check(dll.FetchSubscriptionMessageQueues(
        consumer._handle, os.environ["TOPIC"].encode(), ctypes.pointer(queues), ctypes.pointer(count)))
    seen = [{"broker": queues[i].brokerName.decode(), "queue": queues[i].queueId} for i in range(count.value)]
    print(json.dumps({"queues": seen}), flush=True)
    consumer.shutdown()


if __name__ == "__main__":
    {"route": route}[sys.argv[1]]()
    sys.stdout.flush()
    # Skip the C++ library's teardown at interpreter exit.
    os._exit(0)
