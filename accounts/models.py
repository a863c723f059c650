from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address; the e-mail is never shown publicly."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("LSA staff"),
        default=False,
        help_text=_(
            "Staff can log into the administration. Moderation and member data also need "
            "the group LSA-medewerkers."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else ""


class OfficerGrant(models.Model):
    """Makes a user a municipal officer for one gemeente (granted by LSA staff)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="officer_grants")
    municipality = models.ForeignKey(
        "places.Municipality",
        on_delete=models.CASCADE,
        related_name="officer_grants",
        verbose_name=_("municipality"),
    )
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("officer role")
        verbose_name_plural = _("officer roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality"], name="officer_grant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.municipality}"


class ApiToken(models.Model):
    """A personal API token: the user names it, sees the key once, and can revoke it.

    Only a SHA-256 hash of the key is stored, so a database leak reveals no usable token.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("starts with"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AccountErasure(models.Model):
    """That an account was deleted at its owner's request (AVG) and what went with it.

    Holds no personal data: the number the account had, when, and counts per kind of data.
    """

    user_number = models.PositiveBigIntegerField(_("account number"))
    erased_at = models.DateTimeField(_("erased at"), auto_now_add=True)
    counts = models.JSONField(_("what was deleted or redacted"), default=dict)

    class Meta:
        ordering = ["-erased_at"]
        verbose_name = _("account erasure")
        verbose_name_plural = _("account erasures")

    def __str__(self) -> str:
        return f"#{self.user_number} {self.erased_at:%Y-%m-%d}"
