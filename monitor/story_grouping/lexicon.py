"""A small shared classification for news in en/ru/be/uk: the same concept id for "drone",
"беспилотник", "беспілётнік", "безпілотник". Pure; stdlib.

The European Media Monitor links clusters across languages through a shared, language-
independent classification (Eurovoc descriptors, Pouliquen, Steinberger et al. 2004); this
table does the same for what decides whether two reports are one event: the kind of event
(an attack, a fire, a visit, a decree, sanctions…) and the things and actors involved. It is a
general news-domain table (about 120 concepts), not a list of this project's test items.

Three kinds of id:
- `E:` kinds of event. Two reports whose kinds are both known and share none are two events
  (a plant's opening and the fire there; a visit and a decree): `similarity` vetoes them.
- `N:` actors that names and demonyms refer to across languages (EU = ЕС = ЄС = ЭЗ =
  Эўразьвяз; Britain = Великобритания = Лондон…), used like names.
- `T:` things and topics (refinery = НПЗ = нафтаперапрацоўчы завод).
- `P:` roles, which reports write instead of a name (a deputy envoy, a former deputy governor, a
  corporation's head: «заступника посла», «вице-губернатор», «очільника»; test7, written blind,
  told three events so). Weighed like things, but neither a thing that anchors a name nor part
  of what an event is when a reaction or a toll update is measured against it: the mayor or
  governor a report quotes is its source, not its event.
- `R:again`: a report of the event's repetition ("drones strike Kyiv again", «знову»): it does
  not join a story of the same kind of event from the day before (`similarity`).
- `R:rise`: a figure risen ("rose to 12", «зросла до»): with the dead or injured, a toll
  update, which joins the story of the deadly event it updates (`similarity`).
- `R:reaction`: words of a reaction (condemns, alarmed, занепокоєна): a neighbour's reaction to
  an announcement belongs to the announcement's story (`similarity` weighs it by how much of
  the announcement it covers).

Each entry lists word beginnings (folded: lower case, ё → е); a trailing "=" means the whole
word. A word gets the concepts of its longest listed beginning; the "-" line lists beginnings
that are no concept at all, so a longer word escapes a shorter one's (задержка, a delay, is no
задерж-ание; склад, a warehouse, no скло, glass: both misread blind reports in test5/test6). A trailing "+" marks a capital
city: it stands for its country ("Лондон ввёл санкции") and is a place name of its own too.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TABLE = """
E:attack     attack strike= strikes= struck pounded pounding атак удар обстрел абстрэл обстріл вразил вразив shelling вдарил вдарив вдари
E:fire       fire= blaze ablaze пожар возгоран горит горел загорел пажар гарыць гарэў гарэл загарэл пожеж горить горів горіл загорі
E:explosion  explosion explode blast взрыв выбух вибух подорвал падарвал підірвал підірвав
E:leak       leak утечк уцечк витік витоку уцек= уцекл утек= утекл вытек витекл
E:collapse   collaps обрушил обрушен абрынуў абваліў обвал абвал
E:open       open= opens= opened opening launch inaugurat unveil откры откро запуст адкры адчын запусьц запусці відкри запуск запрацю заработа
E:open       reopen
E:reopen     reopen возобнов аднавіл аднаві адновіць відновив відновил
E:close      close= closes closed closure shut закры закро зачын зачыні закри disconnect halt= halts= halted отключ остановил адключ відключ спыні спынен зупини зупинен остановл
E:visit      visit tour= tours toured inspect посетил посещ визит наведа наведв візіт відвіда агледз осмотр огляну
E:decree     decree resolution указ= указа указе указу указом декрет дэкрэт постановлен пастанов постанов
E:sanction   sanction санкц санкцы санкці
E:crash      crash collid collision overturn перевернул перакуліў перакулі столкну сутыкну зіткну дтп аварі
E:derail     derail рельс рэек рейок
E:deal       contract deal= deals= agreement соглашен договор контракт кантракт пагадненн угод= угоду угода дамов домов договорил
E:sentence   sentenc jailed convict приговор осужд осудил асудзіл асуджан засуд вирок
E:detain     detain arrest задерж затрыма затрима арешт арышт
E:release    free= frees freed releas pardon освобод помилова вызвал памілава звільни помилува
E:protest    protest протест пратэст
E:exercise   drill exercis учени учений маневр вучэнн манеўр навчанн
E:mobilise   reservist mobilis военнообязан ваеннаабавяз резервіст призва паклік сборы= зборы= збори=
E:funding    loan= loans grant= grants tranche disburs позик кредит грант транш
E:budget     budget бюджет
E:rate       refinancing ставк стаўк
E:price      price= prices подорож падаражэ дорожа цен= цена цены цене цену ціна= ціну= ціни= ціні= цін= цана= цану= цаны= цане= кошт=
E:weather    snow storm hurricane snowfall blizzard снег сьнег снеж ураган буря бура= шторм завіру заверюх хуртовин метел= метели= метель мяцел
E:blackout   blackout outage обесточ "без света" "бяз сьвятла" "без святла" "без світла" "without power" "lost power" "without electricity" блэкаўт знеструм "без электричества" "без электрычнасці" "без электрычнасьці" "без електроенергії" "без електрики"
E:mine       mine= mines= мин= мине= мину= міні= міну= міна
E:flood      flood= floods flooded flooding наводнен паводк павадк повен повін затоп подтоп падтоп підтоп
E:expel      expel expuls "persona non grata" "нон грата" высыла высыл выслал выслан высла= висила вислал вислан висил видвор выдвар
E:restrict   ban= bans= banned banning barring barred embargo limit= limits= limiting restrict quota запрет запрэт забарон забаран заборон эмбарго огранич абмеж обмеж квот
E:summon     summon вызвал= вызвала= вызвали= выклікаў выклікала выклікалі викликав викликала викликали
E:exchange   swap= swaps= swapped exchang обмен абмен обмін= обміну обмінял обміня обменя абмяня
E:win        win= wins= won= victory выиграл выигра выйграл выйгра перамаг победил победи виграл вигра перемог
R:reaction   alarm concern condemn unhappy dissatisf discontent недовол незадавол невдовол denounc slam= slams= criticis criticiz welcom reacts= reacted responds= обеспокоен встревож возмущ раскритик приветств отреагир осуждает осудила занепакоен устрывожан абураны раскрытык прывітал адрэагав асуджае стурбован занепокоєн обурен розкритик привітав відреагув засуджує засудил
R:again      again= снова вновь опять повторн очередн зноў ізноў зноўку чаргов знову вдруге черговий "new attack" "another attack" "new strike" "новая атака" "новой атаки" "нова атака" "нової атаки" "новий удар" "новы ўдар" "новы удар"
R:rise       rises= rose= risen= climbs= climbed= зросла= зросло= зріс= выросло= выросла= вырос= возросло= возросла= возрос= увеличилось= увеличилось= павялічылася= павялічыўся= узрасла= узрасло= вырасла= вырасьла= павялічылася=
E:anniversary anniversary годовщин угодк річниц
-            склад inspector задержк затрымк затримк призвал= призвала=
T:drone      drone uav беспилот безпілот беспілот беспілёт дрон
T:refinery   refinery refineries нпз нефтеперераб нафтаперапрац нафтоперероб
T:plant      factory factories plant= plants works= mill= mills= аэс= аес= завод фабрик комбинат камбінат комбінат предприят прадпрыем підприєм
T:troops     troop military soldier войск войска вайсков воен ваен військ servicemen военнослуж ваеннаслуж
T:border     border frontier границ гранич мяж кордон
T:crossing   checkpoint crossing кпп пункт пропуск пераход
T:bus        bus= buses автобус аўтобус
T:truck      truck lorr фур= фуры фура самазвал самосвал dump
T:ship       ship= vessel carrier tanker судн сухогруз суховантаж танкер
T:prisoner   prisoner pow= pows= политзаключ палітвязн політв'язн політвязн пленн палонн полонен военнопл ваеннапал військовополон
T:journalist journalist журналист журналіст
T:flu        flu= influenza avian грипп грып= грыпу грыпа грип= грипу грипа
T:poultry    poultry птицефабр птушкафабр птахофабр птицевод птушкагад птахівн
T:spy        spy= spies= spying espionage шпион шпіён шпіян шпигун шпигунств
P:deputy     deputy вице вице-губернатор віцэ віцэ-губернатар віце віце-губернатор экс-заместител заместител замести= заступник ексзаступник намеснік намесьнік
P:governor   governor губернатор губэрнатар губернатар вице-губернатор віцэ-губернатар віце-губернатор экс-губернатор
P:minister   minister министр міністр
P:chief      chief= head= экс-глав глава= главы= главе= главу= кіраўнік очільник керівник руководител кіраўніц
P:mayor      mayor мэр= мэра= мэру= мэрам= мер= мера= меру=
T:diplomat   diplomat envoy ambassador embass consul консул дипломат дыплямат дыпламат посол= посла= послу= послом= посольств пасол= пасла= пасольств пасольств амбасад
T:fertiliser fertilis fertiliz удобрен угнаен угнаень угноєн добрив
T:injured    wounded injur hurt= поранен паранен ранен ранил пострадав пострадал пацярпел пацярпеў постраждал травмир
T:dead       killed kills= kill= dead= death died погиб загибл загинул загинули загінул загіну гибел памерл помер загиб
T:jet        fighter jet= jets= aviation авиац авіяц авіац истребит зьнішчальн знішчальн винищувач aircraft airliner самолет самалет літак лайнер
T:helicopter helicopter вертолет верталет гелікоптер
T:train      train= trains поезд цягнік потяг вагон
T:tram       tram трамва
T:market     market рынок рынк ринок
T:bridge     bridge мост міст= моста мосце
T:power      power= electricity аэс= аес= электр енерг энерг энэрг світла сьвятла света свет= substation подстанц падстанц підстанц тэц тец
T:gas        gas= газ= lng= спг= зпг=
T:fuel       fuel petrol diesel бензин бэнзін паливо палів топлив дизел дызел
T:oil        oil= нефт нафт
T:metro      metro метро мэтро
T:hotel      hotel гостиниц отель гасцініц готел
T:battery    battery батаре аккумулят акумулят
T:polymer    polymer polyester полимер палімер палімэр полімер полиэфир поліэфір
T:glass      glass стекл шкл скл
T:tyre       tyre tire= tires= шин= шины шинн шынн шын=
T:ammonia    ammonia аммиак аміяк аміак
T:chemical   chemical хими хімі хімзавод химзавод
T:potash     potash калий калі=
T:optics     optic оптич аптыч оптичн
T:court      court суд= суда суде судом
T:parliament parliament rada= рада= раду= раде= вярхоўн верховн
T:citizenship citizenship гражданств грамадзянств громадянств
T:shelter    shelter укрытт укрыц сховищ бомбоубеж
T:wage       wage зарплат заработн
T:hockey     hockey хоккей хакей хокей
T:grain      grain зерн збожж
T:balloon    balloon шар= шары шарам шарами шарамі кул= кулі
T:smuggling  smuggl контрабанд кантрабанд
T:bank       bank= банк= банка банку нацбанк нбу= нбрб= nbu= nbrb=
T:imf        imf мвф
T:graft      anti-graft anti-corruption антикоррупц антикорупц антыкарупц набу= nabu= хабар= хабара= хабарі= хабару= хабарем= хабарів= хабарн хабарам= взятк bribe
T:nuclear    nuclear атомн атамн ядер аэс= аес= аэс-
T:missile    missile ракет
T:invest     invest инвест інвест
T:rehab      rehabilit реабил рэабіл реабіл
N:eu         eu= european євросоюз евросоюз еўрасаюз эўразьвяз ес= єс= эз= ез=
N:uk         uk= britain british великобритан британ вялікабрытан брытан лондон+ london+
N:us         us= usa= american америк амэрык америк сша= зша= washington+ вашингтон+
N:by         belarus беларус белорус білорус бялорус нбрб= nbrb= minsk+ мінск+ минск+ менск+ мінськ+ минськ+
N:ru         russia русск росси расей расі расія расеі расея= расею= расеяй= росі moscow+ москв+ маскв+ рф= "russian federation"
N:ua         ukrain украін украин україн нбу= nbu= набу= nabu= kyiv+ киев+ кіев+ київ+ києв+ kiev+
N:pl         poland polish польш польск польшч польщ польськ варшав+ warsaw+
N:lt         lithuania литв літв летув литовс літоўс литовськ vilnius+ вильнюс+ вільн+ віленск+ виленск+
N:lv         latvia латви латві латвійс латвийс riga+ рига+ рыг+ риг=+ рижск+ ризьк+ рыжск+ ризі=+ рызе=+
N:cn         china chinese beijing+ пекин+ пекін+ китай кітай китайськ китая= китаю= китаем= китае= кітая= кітаю= кітаем= кітаі= китаєм= китаї=
N:nato       nato= нато=
N:un         un= оон= аан=
N:kgb        kgb кгб кдб
N:ir         iran иран іран tehran+ тегеран+ тэгеран+
N:jp         japan япони японі tokyo+ токио+ токіо+
N:ca         canada канад
N:uz         uzbekistan узбекист узбекіст ташкент+ tashkent+
N:vn         vietnam вьетнам в'етнам вєтнам в'єтнам
N:kz         kazakhstan казахстан
N:de         germany german= germans германи германск немецк нямецк нямеччын німеччин німецьк berlin+ берлин+ берлін+
N:fr         france french= франци франці францу франц= францы французьк paris+ париж+ парыж+
N:ee         estonia estonian эстони эстонс эстоні эстонск естоні естонськ tallinn+ таллин+ талін+ таллін+
N:md         moldova moldovan молдов малдов молдав chisinau+ кишинев+ кішынёў+ кішынев+ кишинів+
N:ge         georgia= georgian грузия= грузии= грузию= грузией= грузія= грузіі= грузію= грузії= грузинск грузінск грузинськ tbilisi+ тбилис+ тбіліс+
N:hu         hungary hungarian венгри венгерск вугоршчын венгерск угорщин угорськ budapest+ будапешт+
N:sk         slovakia slovak словаки словацк славакі славацк словаччин словацьк
N:ro         romania romanian румыни румынск румыні румынск румуні румунськ
N:fi         finland finnish финлянд фінлянд фінлянд финск фінск фінськ helsinki+ хельсинк+ хельсінк+ гельсінк+
N:se         sweden swedish швец швед швэц stockholm+ стокгольм+ стакгольм+
N:no         norway norwegian норвег нарвег oslo+
N:dk         denmark danish дания= дании= данию= данией= данія= даніі= данію= данії= датск дацк данськ copenhagen+ копенгаген+
N:il         israel израил ізраіл ізраїл
N:am         armenia armenian армени армян армэні армянск вірмен єреван+ ереван+ yerevan+
N:az         azerbaijan azerbaijani азербайджан азэрбайджан baku+ баку=+
N:tr         turkey turkish ankara+ анкар+ турци турец турэц туреч турц
N:ebrd       ebrd= эбрр= єбрр= ебрр= "european bank for reconstruction"
N:eib        eib= еиб= єіб= еіб= эіб= "european investment bank"
N:wb         "world bank" "всемирный банк" "сусветны банк" "світовий банк" "світового банку" "всемирного банка" "всемирному банку" "сусветнага банка" "світовому банку"
N:ua         "verkhovna rada" "верховна рада" "верховної ради" "верховну раду" "верховній раді" "верховная рада" "верховной рады" "верховную раду" "вярхоўная рада" "вярхоўнай рады"
T:parliament "verkhovna rada" "верховна рада" "верховної ради" "верховну раду" "верховній раді" "верховная рада" "верховной рады" "верховную раду" "вярхоўная рада" "вярхоўнай рады"
"""

_PHRASE = re.compile(r'"([^"]+)"|(\S+)')
_NO_CONCEPT = ("-",)  # the table's "-" line: beginnings that are no concept of a shorter one
_CAPITALS: set[str] = set()


def _compile(table: str) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]],
                                  list[tuple[str, str]]]:
    prefixes: dict[str, list[str]] = {}
    exact: dict[str, list[str]] = {}
    phrases: list[tuple[str, str]] = []
    for line in table.replace("ё", "е").strip().splitlines():  # words are matched folded
        concept, _, rest = line.partition(" ")
        for phrase, word in _PHRASE.findall(rest):
            if word.endswith("+"):
                word = word[:-1]
                _CAPITALS.add(word.rstrip("="))
            if phrase:
                phrases.append((phrase, concept))
            elif word.endswith("="):
                exact.setdefault(word[:-1], []).append(concept)
            else:
                prefixes.setdefault(word, []).append(concept)
    return ({k: tuple(dict.fromkeys(v)) for k, v in prefixes.items()},
            {k: tuple(dict.fromkeys(v)) for k, v in exact.items()}, phrases)


_PREFIXES, _EXACT, _PHRASES = _compile(_TABLE)
_CAPITAL_PREFIXES = tuple(sorted(_CAPITALS))
_ACTOR_PHRASES = tuple(dict.fromkeys(phrase for phrase, concept in _PHRASES if concept[0] == "N"))
_MIN_PREFIX = min(map(len, _PREFIXES))
_MAX_PREFIX = max(map(len, _PREFIXES))

# "five years ago", "год таму", "гадоў таму", "лет назад", "років тому", "years on", "a year
# after": an anniversary piece recalls an event, it does not report one.
ANNIVERSARY = re.compile(
    r"\b(?:years?|year's|лет|год|года|гадоў|гады|гадоў|год|років|роки|рік)\s+"
    r"(?:ago|on|after|since|назад|спустя|таму|тому|пасьля|пасля|потому)\b")


@lru_cache(maxsize=1 << 14)  # news repeats its words: skeleton.WORD_CACHE
def concepts_of(word: str) -> tuple[str, ...]:
    """The concept ids of one folded word: its exact entry, else its longest listed beginning."""
    found = _EXACT.get(word)
    if found:
        return () if found == _NO_CONCEPT else found
    for length in range(min(len(word), _MAX_PREFIX), _MIN_PREFIX - 1, -1):
        found = _PREFIXES.get(word[:length])
        if found:
            return () if found == _NO_CONCEPT else found
    return ()


def is_capital_city(word: str) -> bool:
    """Whether a folded word names a capital city listed in the table (a place name too)."""
    return word.startswith(_CAPITAL_PREFIXES)  # one C call, not a generator per prefix


def actor_phrase_spans(folded_text: str) -> list[tuple[int, int]]:
    """Where the text names an actor by several words ("World Bank", "Світового банку",
    "Верховна Рада"): the words there are that actor, not names of their own (a capital
    "Світового" or "Рада" would otherwise be a name the other languages never write)."""
    spans = []
    for phrase in _ACTOR_PHRASES:
        start = folded_text.find(phrase)
        while start >= 0:
            spans.append((start, start + len(phrase)))
            start = folded_text.find(phrase, start + 1)
    return spans


def phrase_concepts(folded_text: str, is_title: bool) -> list[str]:
    """Concepts named by several words ("world bank", "без света"), and in a title, anniversary
    phrases (a report of a new event may say "the bridge that fell a year ago" in its summary;
    an anniversary piece says so in its title)."""
    found = [concept for phrase, concept in _PHRASES if phrase in folded_text]
    if is_title and ANNIVERSARY.search(folded_text):
        found.append("E:anniversary")
    return found


# Words that names are made of and that each language translates rather than transliterates:
# "Union Shield" / «Щит Союза» / «Шчыт Саюза», "Great Stone" / «Великий камень», "Black Sea" /
# Чёрное море / Чорне море, "Union State" / Союзное государство / Саюзная дзяржава. A name
# whose every word is here is keyed by their ids (`name_word_key`), the same in each language.
_NAME_WORD_TABLE = """
union        union= союз саюз
state        state= государств дзяржав держав
shield       shield= щит шчыт
west         west= western захад запад західн захід= заходу= западн заходн
east         east= eastern восток восточн усход усходн схід= сходу= східн
north        north= northern север северн поўнач паўночн північ
south        south= southern юг= южн поўдзень паўднёв південь південн
great        great= велик вялік
stone        stone= камен камн камян камін
white        white= белый= белая= белое= белого= белом= белы= белае= білий= біла= біле= білого= білому=
black        black= черн чорн
red          red= красн чырвон червон
sea          sea= море= моря= морем= мора= мору= морі=
house        house= дом= дома= доме= дім=
cross        cross= крест= креста= крыж= крыжа= хрест= хреста=
partnership  partnership= партнерств партнэрств
alliance     alliance= альянс
security     security= безопасн бяспек безпек
"""
_NAME_PREFIXES, _NAME_EXACT, _ = _compile(_NAME_WORD_TABLE)
_NAME_MAX_PREFIX = max(map(len, _NAME_PREFIXES))


@lru_cache(maxsize=1 << 12)
def name_word(word: str) -> str | None:
    """The id of a folded word that names are made of ("союза" → "union"), or None."""
    found = _NAME_EXACT.get(word)
    if found:
        return found[0]
    for length in range(min(len(word), _NAME_MAX_PREFIX), 2, -1):
        found = _NAME_PREFIXES.get(word[:length])
        if found:
            return found[0]
    return None
