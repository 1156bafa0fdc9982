"""What every feature shares about learning: the catalog of cards, posts and how they are sent,
answers, polls, SRS, grades, learners, typed callback data and common keyboards.
"""
