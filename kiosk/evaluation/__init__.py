"""Measuring the kiosk's face matching on public data sets (`main.py vision verify-pairs`, the slow tests, the
benchmarks). The kiosk itself never runs this."""
