"""Mock interviews (/interview): a timed series of quizzes and open questions with a verdict."""
