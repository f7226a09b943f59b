"""The password policy (decision 0116): what a new password must be, by who it is for.

Staff (every role but requester): at least `staff_min_length` characters (12 by default), not a common
password (Django's list of 20,000 and our Chinese list: digit runs, love numbers, keyboard walks, pinyin
names with digits around them), not like the username, name or email address, not one of their last
`history_count` passwords, and — when the site sets an expiry — changed every `staff_max_age_days` days.
Requesters who have a password: at least `requester_min_length` (8), not common, not like their name; no
history and no expiry (they mostly sign in with mailed links).

Every path that sets a password calls Django's `validate_password` (AUTH_PASSWORD_VALIDATORS names
`PolicyValidator`), through `accounts.services`: the profile page, `PATCH /api/v1/users/me`, the people
screens and API, the password reset, and the commands (`bootstrap`, `create_*_admin`, `createsuperuser`,
`changepassword`)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import CommonPasswordValidator, UserAttributeSimilarityValidator
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gongdan.accounts.models import STAFF_ROLES, PasswordHistoryEntry, Role, SignInPolicy, User
from gongdan.core.config_cache import cached

LISTS = Path(__file__).resolve().parent / "password_lists"

# Pinyin of common family names and of the syllables given names are made of: a password that is a name
# (`zhangsan`, `liuyang`, `wangxiaoming`) with digits or symbols around it is refused.
SURNAMES = frozenset(
    [
        "zhang",
        "wang",
        "li",
        "zhao",
        "liu",
        "chen",
        "yang",
        "huang",
        "zhou",
        "wu",
        "xu",
        "sun",
        "ma",
        "zhu",
        "hu",
        "guo",
        "he",
        "lin",
        "gao",
        "luo",
        "zheng",
        "liang",
        "xie",
        "song",
        "tang",
        "han",
        "feng",
        "deng",
        "cao",
        "peng",
        "zeng",
        "xiao",
        "tian",
        "dong",
        "pan",
        "yuan",
        "cai",
        "jiang",
        "yu",
        "du",
        "ye",
        "cheng",
        "wei",
        "su",
        "lu",
        "ding",
        "ren",
        "shen",
        "yao",
        "jin",
        "fu",
        "qian",
        "qin",
        "shi",
        "fan",
        "fang",
        "kong",
        "bai",
        "cui",
        "kang",
        "mao",
        "qiu",
        "jia",
        "xue",
        "hou",
        "lei",
        "long",
        "duan",
        "hao",
        "shao",
        "meng",
        "wan",
        "qi",
        "yin",
        "yan",
        "xia",
        "gu",
        "mo",
        "dai",
        "lai",
        "tan",
        "ouyang",
        "situ",
        "zhuge",
        "shangguan",
    ]
)
GIVEN = frozenset(
    [
        "san",
        "si",
        "wu",
        "liu",
        "qi",
        "ba",
        "jiu",
        "shi",
        "yi",
        "er",
        "wei",
        "fang",
        "na",
        "min",
        "jing",
        "li",
        "qiang",
        "lei",
        "jun",
        "yang",
        "yong",
        "yan",
        "jie",
        "juan",
        "tao",
        "ming",
        "chao",
        "xiu",
        "xia",
        "ping",
        "gang",
        "hua",
        "hui",
        "ying",
        "hong",
        "jian",
        "bo",
        "lin",
        "fei",
        "xin",
        "peng",
        "hao",
        "yu",
        "ting",
        "lan",
        "kai",
        "dan",
        "xue",
        "mei",
        "qing",
        "rui",
        "tian",
        "long",
        "feng",
        "bin",
        "bing",
        "cheng",
        "hai",
        "jia",
        "kun",
        "lu",
        "meng",
        "nan",
        "ning",
        "pei",
        "qian",
        "shan",
        "shu",
        "song",
        "tong",
        "wen",
        "xi",
        "xiang",
        "xiao",
        "xu",
        "ya",
        "yao",
        "yue",
        "zhen",
        "zhi",
        "zhong",
        "zi",
        "yun",
        "hua",
        "le",
        "an",
        "bao",
        "chun",
        "dong",
        "fu",
        "guang",
        "he",
        "jin",
        "ling",
        "mo",
        "shuang",
        "tai",
        "xiong",
        "yi",
        "yong",
        "zhe",
    ]
)
_NAME = re.compile(
    "^(?:{s})(?:{g}){{1,2}}$".format(
        s="|".join(sorted(SURNAMES, key=len, reverse=True)), g="|".join(sorted(GIVEN, key=len, reverse=True))
    )
)
KEYBOARD_WALKS = (
    "1234567890-=",
    "qwertyuiop[]",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/",
    "qazwsxedcrfvtgbyhnujmikolp",
    "zaqxswcdevfrbgtnhymjuki,lo.;p/",
    "!@#$%^&*()_+",
)
_DECORATION = re.compile(r"^[\W\d_]*(.*?)[\W\d_]*$")


@functools.cache
def chinese_common() -> frozenset[str]:
    lines = (LISTS / "zh_common.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def policy() -> SignInPolicy:
    """The site's policy (this process's copy, reloaded when the security administrator changes it)."""
    return cached("accounts.sign_in_policy", _load_policy)


def _load_policy() -> SignInPolicy:
    return SignInPolicy.objects.filter(pk=1).first() or SignInPolicy(pk=1)


def is_staff_account(user: Any) -> bool:
    """Who gets the staff policy: every role but requester, and superusers."""
    role = getattr(user, "role", Role.REQUESTER)
    return (
        role in STAFF_ROLES
        or role in (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
        or bool(getattr(user, "is_superuser", False))
    )


def _is_walk(text: str) -> bool:
    if len(text) < 4:
        return False
    return any(text in walk or text in walk[::-1] for walk in KEYBOARD_WALKS)


def _repeats(text: str) -> bool:
    """`aaaaaa`, `abcabcabc`, `1212121212`: one short unit repeated."""
    return any(len(text) >= 2 * n and text == text[:n] * (len(text) // n) + text[: len(text) % n]
               for n in range(1, 4))  # fmt: skip


def common_reason(password: str) -> str | None:
    """Why `password` is a common one, or None. Case and the digits and symbols around a word are ignored."""
    lowered = password.lower()
    core = _DECORATION.match(lowered).group(1)  # type: ignore[union-attr]
    letters = re.sub(r"[\W\d_]", "", lowered)
    listed = chinese_common()
    try:
        django_common().validate(password)
    except ValidationError:
        return _("This password is too common.")
    if lowered in listed or (core and core in listed) or (letters and letters in listed):
        return _("This password is too common.")
    if _repeats(lowered) or _is_walk(lowered) or (core and _is_walk(core)):
        return _("This password is a keyboard pattern or a repeat, which is guessed first.")
    if not letters and lowered.isdigit():
        return _("A password of digits only is guessed quickly (dates, phone numbers).")
    if letters and _NAME.match(letters) and len(letters) <= 14:
        return _(
            "This password is a name in pinyin with digits or symbols around it, which is guessed first."
        )
    return None


@functools.cache
def django_common() -> CommonPasswordValidator:
    """Django's list of 20,000 common passwords, read with the first password checked (not at every start)."""
    return CommonPasswordValidator()


DJANGO_SIMILAR = UserAttributeSimilarityValidator(
    user_attributes=("username", "display_name", "first_name", "last_name", "email")
)


def _similar_to_user(password: str, user: Any) -> bool:
    """The username, a name or the email's local part in the password (or the password in them), or close
    to one of them (Django's similarity check)."""
    try:
        DJANGO_SIMILAR.validate(password, user)
    except ValidationError:
        return True
    lowered = password.casefold()
    compact = re.sub(r"[\W_]", "", lowered)
    email = (getattr(user, "email", "") or "").split("@", 1)[0]
    values = [getattr(user, "username", ""), getattr(user, "display_name", ""), getattr(user, "first_name", ""),
              getattr(user, "last_name", ""), email]  # fmt: skip
    for value in values:
        value = re.sub(r"[\W_]", "", str(value or "").casefold())
        if len(value) >= 3 and (value in compact or (len(compact) >= 4 and compact in value)):
            return True
    return False


def in_history(password: str, user: Any, count: int) -> bool:
    if not count or not getattr(user, "pk", None):
        return False
    hashes = [user.password]  # the current one counts as the first of the last N
    hashes += list(
        PasswordHistoryEntry.objects.filter(user_id=user.pk)
        .order_by("-created_at", "-pk")
        .values_list("password", flat=True)[:count]
    )
    return any(h and check_password(password, h) for h in hashes[:count])


class PolicyValidator:
    """AUTH_PASSWORD_VALIDATORS entry: the site's policy for the person the password is for. Without a user
    (a form that does not say), the staff rules apply."""

    def validate(self, password: str, user: Any = None) -> None:
        rules = policy()
        staff = user is None or is_staff_account(user)
        errors: list[ValidationError] = []
        minimum = rules.staff_min_length if staff else rules.requester_min_length
        if len(password) < minimum:
            errors.append(ValidationError(
                ngettext(
                    "This password is too short: use at least %(min)d character.",
                    "This password is too short: use at least %(min)d characters.",
                    minimum,
                ) % {"min": minimum},
                code="password_too_short",
            ))  # fmt: skip
        if reason := common_reason(password):
            errors.append(ValidationError(reason, code="password_too_common"))
        if user is not None and _similar_to_user(password, user):
            errors.append(
                ValidationError(
                    _("The password must not contain your username, name or email address."),
                    code="password_too_similar",
                )
            )
        if user is not None and staff and in_history(password, user, rules.history_count):
            errors.append(ValidationError(
                ngettext(
                    "Choose a password you have not used for your last %(count)d password.",
                    "Choose a password you have not used for your last %(count)d passwords.",
                    rules.history_count,
                ) % {"count": rules.history_count},
                code="password_reused",
            ))  # fmt: skip
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        rules = policy()
        return _(
            "Staff passwords: at least %(staff)d characters; requesters: at least %(requester)d. Not a common"
            " password, not your name or username, not one you used recently."
        ) % {"staff": rules.staff_min_length, "requester": rules.requester_min_length}


def remember(user: User, previous_hash: str) -> None:
    """After a staff member's password changed: keep the old hash, forget those beyond the history."""
    count = policy().history_count
    if not count or not is_staff_account(user) or not previous_hash or not previous_hash[:1].isalnum():
        return
    PasswordHistoryEntry.objects.create(user=user, password=previous_hash)
    keep = list(
        PasswordHistoryEntry.objects.filter(user=user)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[: max(count - 1, 0)]
    )
    PasswordHistoryEntry.objects.filter(user=user).exclude(pk__in=keep).delete()


def password_expired(user: Any, *, now: dt.datetime | None = None) -> bool:
    """The staff member must choose a new password before anything else."""
    days = policy().staff_max_age_days
    changed = getattr(user, "password_changed_at", None)
    if not days or changed is None or not is_staff_account(user) or not user.has_usable_password():
        return False
    return (now or timezone.now()) >= changed + dt.timedelta(days=days)
