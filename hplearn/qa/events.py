"""Q&A events for usage statistics: one signal per event, sent from exactly one place each.

Each signal is sent with the Question as sender and keyword data: question_claimed(teacher),
question_answered(teacher, answer), answer_accepted(answer), question_followed_up(followup).
Usage statistics listen through hplearn.stats.listeners.
"""

from blinker import Namespace

_signals = Namespace()

question_asked = _signals.signal("qa.question-asked")
question_claimed = _signals.signal("qa.question-claimed")
question_answered = _signals.signal("qa.question-answered")
answer_accepted = _signals.signal("qa.answer-accepted")
question_followed_up = _signals.signal("qa.question-followed-up")
question_escalated = _signals.signal("qa.question-escalated")
