"""Hostile and broken submissions, each with the grade and status it must get.

``cases``: what a submission does inside the grading child (run by test_grading_corpus).
``cases_trust``: tricks against the checks, hidden-check leaks, cell parsing, processes and network, on the same
assignment (run by test_grading_corpus); ``cases_torch``: tricks that need the library (run by test_grading_trust).
``cases_parent``: what the grading parent meets while finding, reading and naming submissions, and Gradescope
submission folders (run by test_grading_parent and test_grading_gradescope).
"""
