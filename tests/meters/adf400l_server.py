#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# An independent Modbus peer for the interop tests: pymodbus 3.0 serving
# the Acrel ADF400L three-phase map of docs/PROTOCOLS.md B.1 (0x033F…0x0369,
# the recharge block at 0x0543, the control word at 0x0804), over RTU on a
# serial port or over TCP. A write of the new purchase amount and count
# N+1 (one 10H write of 0x0543–0x0545) adds the amount and sets the count;
# any other count is ignored, as a meter that checks N+1 would.
#
#   adf400l_server.py (--serial DEVICE | --tcp PORT) [--word-order high|low]
#
# Units 1 and 4 answer (three-phase circuits are spaced by 3).

import argparse
import logging
import sys

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server import StartSerialServer, StartTcpServer
from pymodbus.transaction import ModbusRtuFramer

CREDIT = 0x0362
PURCHASED = 0x0364
COUNT = 0x0366
RECHARGE = 0x0543
CONTROL = 0x0804


class Adf400lBlock(ModbusSequentialDataBlock):
    def __init__(self, order, energy, credit, count):
        super().__init__(0, [0] * 0x1000)
        self.order = order
        self.put32(0x035E, energy)          # total active energy, 0.01 kWh
        self.put32(CREDIT, credit & 0xFFFFFFFF)   # remaining amount, 0.01 yuan, I32
        self.put32(PURCHASED, 50000)        # total purchase amount
        super().setValues(COUNT, [count])   # number of purchases
        super().setValues(0x033F, [2201, 2202, 2203])   # Ua–Uc, 0.1 V
        super().setValues(0x0342, [512, 498, 505])      # Ia–Ic, 0.01 A
        super().setValues(0x0345, [3300])               # total P, 1 W

    def put32(self, address, value):
        hi, lo = (value >> 16) & 0xFFFF, value & 0xFFFF
        super().setValues(address, [hi, lo] if self.order == "high" else [lo, hi])

    def get32(self, address):
        a, b = self.getValues(address, 2)
        return (a << 16 | b) if self.order == "high" else (b << 16 | a)

    def setValues(self, address, values):
        if not isinstance(values, list):
            values = [values]
        if address == RECHARGE and len(values) == 3:
            amount = (values[0] << 16 | values[1]) if self.order == "high" \
                else (values[1] << 16 | values[0])
            count = values[2]
            if count == self.getValues(COUNT, 1)[0] + 1 and amount > 0:
                credit = self.get32(CREDIT)
                if credit >= 0x80000000:
                    credit -= 0x100000000
                self.put32(CREDIT, (credit + amount) & 0xFFFFFFFF)
                self.put32(PURCHASED, self.get32(PURCHASED) + amount)
                super().setValues(COUNT, [count])
                logging.info("recharge %d, count %d", amount, count)
            else:
                logging.info("recharge refused: count %d", count)
            super().setValues(address, values)
            return
        super().setValues(address, values)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--serial")
    parser.add_argument("--tcp", type=int)
    parser.add_argument("--word-order", default="high", choices=["high", "low"])
    args = parser.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO)

    units = {
        1: Adf400lBlock(args.word_order, 123456, 10000, 5),
        4: Adf400lBlock(args.word_order, 7, -250, 0),
    }
    slaves = {u: ModbusSlaveContext(hr=b, ir=b, zero_mode=True) for u, b in units.items()}
    context = ModbusServerContext(slaves=slaves, single=False)
    if args.serial:
        StartSerialServer(context=context, framer=ModbusRtuFramer, port=args.serial,
                          baudrate=9600, parity="N", stopbits=1, bytesize=8, timeout=0.05)
    else:
        StartTcpServer(context=context, address=("127.0.0.1", args.tcp))


if __name__ == "__main__":
    main()
