"""The demo's texts: the organizations and what each wrote, for the three demo capsules.

Kazakh first, some Russian, some English, as at the Almaty forum of 5 March 2026 (../shared/seed/).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from capsule.persistence.services.uploads import ContributionFields

# The organizations at the forum and fair of 5 March 2026 (DESIGN §1; the article in seed/).
FRONT_OFFICE: Final = "Алматы қаласы Еріктілер фронт-кеңсесі"
YOUTH: Final = "«Жас Алматы» жастар еріктілер тобы"
SILVER: Final = "«Күміс еріктілер» қауымдастығы"
RESCUE: Final = "Төтенше жағдайлардағы еріктілер жасағы"
SPORT: Final = "«Спорт еріктілері» клубы"
DIGITAL: Final = "«Цифрлық бастамалар» еріктілер тобы"


@dataclass(frozen=True)
class DemoItem:
    organization: str  # whose invitation
    fields: ContributionFields
    accept: bool
    attachment: tuple[str, bytes] | None = None


def _item(org: str, kind: str, lang: str, author: str, role: str, title: str, body: str, *, accept: bool,
          attachment: tuple[str, bytes] | None = None) -> DemoItem:
    return DemoItem(org, ContributionFields(kind=kind, title=title, body=body, author_name=author, author_role=role,
                                            organization=org, language=lang), accept, attachment)


ITEMS: Final = (
    _item(FRONT_OFFICE, "goal", "kk", "Дәурен Омаров", "Фронт-кеңсе үйлестірушісі",
          "2036 жылға қарай — әр ауданда еріктілер орталығы",
          "Алматының барлық сегіз ауданында еріктілер орталығы жұмыс істесін: оқыту, кеңес беру, "
          "құрал-жабдық және ұйымдар арасындағы байланыс бір жерде.\n"
          "Еріктілік қызмет қаланың әлеуметтік, экологиялық және қалалық бастамаларының тұрақты "
          "серіктесіне айналсын.", accept=True),
    _item(YOUTH, "priority", "kk", "Аружан Сәрсенова", "Топ жетекшісі",
          "Мектеп оқушылары мен студенттерді еріктілікке тарту",
          "Әр мектеп пен колледжде еріктілер клубы ашылсын. Жастардың қоғамға қызметі — "
          "азаматтық белсенділіктің ең жақсы мектебі.\n"
          "Басымдық: жылына кемінде 20 000 жас ерікті, олардың әрқайсысына тәлімгер.", accept=True),
    _item(SILVER, "goal", "ru", "Галина Ким", "Председатель совета",
          "Серебряные волонтёры — наставники молодёжи",
          "Люди старшего возраста — не только те, кому помогают, но и те, кто помогает сам. "
          "Мы хотим, чтобы к 2036 году в каждом волонтёрском центре работали «серебряные» "
          "наставники, передающие опыт молодым.", accept=False),
    _item(RESCUE, "priority", "kk", "Ерлан Жұмабаев", "Жасақ командирі",
          "Төтенше жағдайларға дайын 10 000 ерікті",
          "Жер сілкінісі, су тасқыны, өрт — Алматы үшін бұл нақты қауіптер. Әр ауданда алғашқы "
          "көмекке және эвакуацияға үйретілген еріктілер жасағы болсын, жаттығулар жыл сайын "
          "өткізілсін.", accept=True),
    _item(SPORT, "priority", "ru", "Мадина Ахметова", "Руководитель клуба",
          "Волонтёры больших спортивных событий",
          "Каждое крупное соревнование в Алматы — от марафона до зимних игр — должно опираться на "
          "подготовленных волонтёров: единые стандарты обучения, страхование и признание их труда.",
          accept=False),
    _item(DIGITAL, "goal", "en", "Timur Bekmukhanov", "Product lead",
          "One open platform for every volunteer in Almaty",
          "By 2036 every volunteer opportunity in the city should be one click away: an open, "
          "accessible platform in Kazakh, Russian and English that respects privacy and lets "
          "organizations share their needs and volunteers their time.", accept=True),
    _item(FRONT_OFFICE, "appeal", "kk", "Еріктілер ұйымдарының жетекшілері", "Алматы, 2026 жылғы 5 наурыз",
          "2036 жылдың еріктілеріне үндеу",
          "Құрметті болашақ еріктілер!\n"
          "Біз бұл хатты Еріктілер жылы – 2026 ашылған күні жаздық. Бүгін бізді мыңдаған жанашыр "
          "тұрғын біріктіріп отыр. Сіздер бұл капсуланы ашқанда, біз армандаған қала — бір-біріне "
          "қол ұшын беретін, қамқор әрі белсенді қала — шындыққа айналған болсын.\n"
          "Игі істі жалғастырыңыздар. Қоғамға қызмет ету — біздің ортақ борышымыз.", accept=True,
          attachment=("үндеуге қол қойғандар.txt",
                      "Үндеуге қол қойған ұйымдар:\n".encode() + "\n".join(
                          (FRONT_OFFICE, YOUTH, SILVER, RESCUE, SPORT, DIGITAL)).encode() + b"\n")),
    _item(YOUTH, "goal", "kk", "Нұрсұлтан Әлиев", "Ерікті",
          "Экологиялық еріктілік: Іле Алатауын таза сақтайық",
          "Тау соқпақтарын тазалау, ағаш отырғызу және өзендерді күтіп ұстау жыл сайынғы қалалық "
          "дәстүрге айналсын. Мақсат — 2036 жылға қарай миллион ағаш.", accept=False),
)


SEALED_ITEMS: Final = (
    _item(YOUTH, "appeal", "kk", "Аружан Сәрсенова", "Топ жетекшісі", "Келесі түлектерге хат",
          "Сендер бұл хатты оқығанда, біз бастаған клубтар жалғасып жатса екен. Ерікті болу — "
          "жауапкершілік пен қуаныш.", accept=True),
    _item(DIGITAL, "goal", "en", "Timur Bekmukhanov", "Product lead", "A volunteer map of the city",
          "Every district's needs and every volunteer's time on one open map, kept up by the city and us.",
          accept=True),
    _item(SILVER, "priority", "ru", "Галина Ким", "Председатель совета", "Наставничество поколений",
          "Каждый новый волонтёр получает наставника из «серебряных» — и наоборот, молодые учат нас "
          "цифровым навыкам.", accept=True),
)


OPENED_ITEMS: Final = (
    _item(FRONT_OFFICE, "goal", "kk", "Дәурен Омаров", "Фронт-кеңсе үйлестірушісі", "2026 — Еріктілер жылы болсын",
          "Бір жылдан кейін бұл капсуланы ашқанда, Алматыда Еріктілер жылы басталған болсын.", accept=True,
          attachment=("жоспар.txt", "1. Фронт-кеңсе\n2. Оқыту\n3. Марапаттау\n".encode())),
    _item(RESCUE, "priority", "kk", "Ерлан Жұмабаев", "Жасақ командирі", "Әр мектепте алғашқы көмек сабағы",
          "Алғашқы көмекті білетін әр оқушы — қаланың қауіпсіздігіне үлес.", accept=True),
    _item(SPORT, "appeal", "ru", "Мадина Ахметова", "Руководитель клуба", "Обращение к волонтёрам 2026 года",
          "Через год вы прочтёте это письмо: не бойтесь начинать, каждый марафон начинается с первого шага.",
          accept=True),
    _item(DIGITAL, "goal", "en", "Timur Bekmukhanov", "Product lead", "Sign up in one minute",
          "Joining a volunteer project should take one minute and work in Kazakh, Russian and English.",
          accept=True),
)
