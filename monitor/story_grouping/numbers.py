"""Numbers in story signatures: figures with their scales (4,2 млрд = 4.2 billion), and numbers
written as words in en/ru/be/uk (two/два/дзве/дві, collective двое/троє/сямёра, eighteen/
васямнаццаць, twenty-one/дваццаць пяць). Pure; stdlib.

`signature.terms_of` reads them: small numbers and collective numerals count in titles only
(a lede's "for ten days", "двух стран" are not the event's figures), numbers from eleven up
anywhere, as digits do.
"""

from __future__ import annotations

import re

from monitor.normalize.text import fold

SCALES = {
    "thousand": 1e3, "тысяч": 1e3, "тысячи": 1e3, "тысяча": 1e3, "тыс": 1e3, "тисяч": 1e3,
    "тисячі": 1e3, "тисяча": 1e3, "тыс.": 1e3, "тысячы": 1e3,
    "million": 1e6, "млн": 1e6, "миллион": 1e6, "миллиона": 1e6, "миллионов": 1e6,
    "мільён": 1e6, "мільёнаў": 1e6, "мільёны": 1e6, "мільёна": 1e6, "мільйон": 1e6,
    "мільйона": 1e6, "мільйонів": 1e6, "m": 1e6,
    "billion": 1e9, "млрд": 1e9, "миллиард": 1e9, "миллиарда": 1e9, "миллиардов": 1e9,
    "мільярд": 1e9, "мільярда": 1e9, "мільярдаў": 1e9, "мільярдів": 1e9, "мільярди": 1e9,
    "bn": 1e9, "трлн": 1e12, "trillion": 1e12, "трильйона": 1e12, "триллиона": 1e12,
    "трыльёна": 1e12, "трильйонів": 1e12,
}
SCALES = {fold(word): scale for word, scale in SCALES.items()}
# Small numbers as words, with the case forms headlines use ("закрыла два пункта", "трох
# вязняў", "п'яти років"), and the collective numerals that count people ("двое рабочих",
# "загинули дев'ятеро", "сямёра затрыманых"): one report writes "three crossings", the other
# "3 crossings" or "три пункти" (seen on the tuned-on sets: Lithuania's two closed crossings in
# four languages had no number in common). One and the ordinals are left out ("one of",
# "second"). They count in titles only: a lede's "for ten days", "двух стран" are not the
# event's figures.
NUMBER_WORDS = {fold(word): value for value, words in enumerate("""
two два две двух двум двумя дзве дзьве дзвюх дзьвюх дві двох двое двоих двоє дваіх
three три трех трем тремя тры трох трьом трьох трое троих троє траіх
four четыре четырех чатыры чатырох чотири чотирьох четверо четверых чацвёра чатырох
five пять пяти пяць пяці п'ять п'яти пятеро пятерых пяцёра п'ятеро
six шесть шести шэсць шэсьць шасьці шасці шість шестеро шестерых шасцёра
seven семь семи сем сямі сім семеро семерых сямёра
eight восемь восьми восем васьмі вісім восьмеро восьмерых васьмёра
nine девять девяти дзевяць дзевяці дев'ять дев'яти девятеро девятерых дзевяцёра дев'ятеро
ten десять десяти дзесяць дзесяці десятеро десятерых дзесяцёра
""".strip().split("\n"), start=2) for word in words.split()}
# Numbers from eleven up as words ("Eighteen people pardoned…", "Forty people were
# evacuated", "дваццаць чалавек"): specific enough to count in a lede too, as digits do. A
# tens word followed by a unit word adds up (twenty-one, двадцать три, дваццаць пяць).
_TENS_VALUES = {11: "eleven одиннадцать адзінаццаць одинадцять",
                12: "twelve двенадцать дванаццаць дванадцять",
                13: "thirteen тринадцать трынаццаць тринадцять",
                14: "fourteen четырнадцать чатырнаццаць чотирнадцять",
                15: "fifteen пятнадцать пятнаццаць п'ятнадцять",
                16: "sixteen шестнадцать шаснаццаць шістнадцять",
                17: "seventeen семнадцать сямнаццаць сімнадцять",
                18: "eighteen восемнадцать васямнаццаць вісімнадцять",
                19: "nineteen девятнадцать дзевятнаццаць дев'ятнадцять",
                20: "twenty двадцать дваццаць двадцять",
                30: "thirty тридцать трыццаць тридцять",
                40: "forty сорок сорака сорока",
                50: "fifty пятьдесят пятидесяти пяцьдзясят пяцідзесяці п'ятдесят п'ятдесяти",
                60: "sixty шестьдесят шасцьдзясят шістдесят",
                70: "seventy семьдесят семдзесят сімдесят",
                80: "eighty восемьдесят восемдзесят вісімдесят",
                90: "ninety девяносто дзевяноста дев'яносто",
                100: "hundred сто",
                # the hundreds, with their genitive ("около трёхсот", «каля трохсот»,
                # «близько трьохсот»: test6's villages without power)
                200: "двести двухсот дзвесце дзьвесьце дзвюхсот дзьвюхсот двісті двохсот",
                300: "триста трехсот трыста трохсот трьохсот",
                400: "четыреста четырехсот чатырыста чатырохсот чотириста чотирьохсот",
                500: "пятьсот пятисот пяцьсот пяцісот пяцьсот п'ятсот п'ятисот",
                600: "шестьсот шестисот шэсцьсот шасцісот шістсот шестисот",
                700: "семьсот семисот семсот сямісот сімсот семисот",
                800: "восемьсот восьмисот восемсот васьмісот вісімсот восьмисот",
                900: "девятьсот девятисот дзевяцьсот дзевяцісот дев'ятсот дев'ятисот"}
LARGE_NUMBER_WORDS: dict[str, int] = {}
for _value, _words in _TENS_VALUES.items():
    for _word in _words.split():
        LARGE_NUMBER_WORDS[fold(_word)] = _value
        if _word.endswith("ь"):  # the other cases: двадцати, дваццаці, двадцяти
            LARGE_NUMBER_WORDS[fold(_word[:-1] + "и")] = _value
            LARGE_NUMBER_WORDS[fold(_word[:-1] + "і")] = _value
UNIT_WORDS = {**NUMBER_WORDS, "one": 1, "один": 1, "адзін": 1}


def number_value(token: str) -> float:
    """12 → 12; 4,2 / 4.2 → 4.2; 8,000 / 8 000 / 250.000 → 8000 / 250000."""
    token = token.replace("\u00a0", " ").replace("\u202f", " ")
    if re.fullmatch(r"\d{1,3}(?:[ ,.]\d{3})+", token):
        return float(re.sub(r"[ ,.]", "", token))
    token = token.replace(" ", "").replace(",", ".")
    try:
        return float(token)
    except ValueError:
        return float(re.sub(r"\D", "", token) or 0)


def number_term(value: float) -> str:
    return "#" + (f"{value:.0f}" if value == int(value) else f"{value:g}")
