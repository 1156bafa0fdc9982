"""Routes every quiz answer to the feature that sent the poll: a drill, an interview, a group's
daily quiz.
"""
