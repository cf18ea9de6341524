"""Quizzes: authoring, questions, attempts, submissions, grading, results and essay grading."""
