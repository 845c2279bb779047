"""Repeatable measurements of airbnb-tui's speed and costs (not tests; see README.md here).

Every script prints ratios measured side by side in one run: these machines are shared and
noisy, so an absolute time says little, while two things timed alternately on the same machine
compare fairly.
"""
