namespace LiaisonNet.Identity.Pages;

/// <summary>The words of the sign-in pages, in English and Russian (the working languages of the region's liaison offices).</summary>
public sealed class Text
{
    public const string CookieName = ".liaison.lang";

    private static readonly Dictionary<string, (string En, string Ru)> Words = new(StringComparer.Ordinal)
    {
        ["SignInTitle"] = ("LiaisonNet sign-in", "Вход в LiaisonNet"),
        ["UserName"] = ("User name", "Имя пользователя"),
        ["Password"] = ("Password", "Пароль"),
        ["SignIn"] = ("Sign in", "Войти"),
        ["EnterUserAndPassword"] = ("Enter your user name and password.", "Введите имя пользователя и пароль."),
        ["Disabled"] = ("This account is disabled. Contact your agency administrator.", "Учётная запись отключена. Обратитесь к администратору вашего ведомства."),
        ["LockedOut"] = ("Too many failed attempts: the account is locked for a while. Try again later or contact your agency administrator.",
            "Слишком много неудачных попыток: учётная запись временно заблокирована. Повторите позже или обратитесь к администратору вашего ведомства."),
        ["BadCredentials"] = ("The user name or password is incorrect.", "Неверное имя пользователя или пароль."),
        ["SecondFactorTitle"] = ("Second factor", "Второй фактор"),
        ["SecondFactorPrompt"] = ("Enter the 6-digit code from your authenticator app, or one of your recovery codes.",
            "Введите 6-значный код из приложения-аутентификатора или один из резервных кодов."),
        ["Code"] = ("Code", "Код"),
        ["Verify"] = ("Verify", "Подтвердить"),
        ["CodeUsed"] = ("That code has been used already. Wait for the next code from your authenticator and enter it.", "Этот код уже использован. Дождитесь следующего кода в приложении-аутентификаторе и введите его."),
        ["BadCode"] = ("The code is not valid. Check the time on your device and try again.", "Код недействителен. Проверьте время на устройстве и повторите."),
        ["SessionExpired"] = ("Your sign-in has expired. Start again.", "Время входа истекло. Начните заново."),
        ["SecurityTitle"] = ("Account security", "Безопасность учётной записи"),
        ["TwoFactorOn"] = ("Second factor is on.", "Второй фактор включён."),
        ["EnrolPrompt"] = ("Scan the code with an authenticator app (or type the key), then enter the 6-digit code it shows.",
            "Отсканируйте код приложением-аутентификатором (или введите ключ), затем введите показанный 6-значный код."),
        ["Key"] = ("Key", "Ключ"),
        ["TurnOn"] = ("Turn on second factor", "Включить второй фактор"),
        ["RecoveryCodesTitle"] = ("Recovery codes", "Резервные коды"),
        ["RecoveryCodesPrompt"] = ("Keep these codes somewhere safe. Each signs you in once if you lose your authenticator. They are shown only now.",
            "Сохраните эти коды в надёжном месте. Каждый позволяет войти один раз, если аутентификатор утерян. Они показываются только сейчас."),
        ["Continue"] = ("Continue", "Продолжить"),
        ["SignOut"] = ("Sign out", "Выйти"),
        ["SignedOut"] = ("You are signed out.", "Вы вышли из системы."),
        ["DeviceTitle"] = ("Connect a device", "Подключение устройства"),
        ["DevicePrompt"] = ("Enter the code shown by the command-line tool.", "Введите код, показанный программой командной строки."),
        ["DeviceConfirm"] = ("{0} asks to act as you with access to: {1}. Approve only if you started it yourself.",
            "{0} запрашивает доступ от вашего имени к: {1}. Подтвердите, только если вы запустили его сами."),
        ["Approve"] = ("Approve", "Разрешить"),
        ["Deny"] = ("Deny", "Отклонить"),
        ["DeviceApproved"] = ("Device approved. You can return to the command-line tool.", "Устройство подключено. Вернитесь в программу командной строки."),
        ["DeviceDenied"] = ("Request denied. Nothing was connected.", "Запрос отклонён. Ничего не подключено."),
        ["BadUserCode"] = ("This code is not valid or has expired.", "Код недействителен или истёк."),
        ["Language"] = ("Русский", "English"),
    };

    private Text(bool russian) => Russian = russian;

    public bool Russian { get; }

    public string Lang => Russian ? "ru" : "en";

    public string this[string key] => Words.TryGetValue(key, out var word) ? (Russian ? word.Ru : word.En) : key;

    /// <summary>The language of a request: <c>?lang=</c> (remembered in a cookie), else the cookie, else Accept-Language; English by default.</summary>
    public static Text For(HttpContext context)
    {
        var asked = context.Request.Query["lang"].ToString();
        if (asked is "en" or "ru")
        {
            context.Response.Cookies.Append(CookieName, asked, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, MaxAge = TimeSpan.FromDays(365), IsEssential = true });
            return new Text(asked == "ru");
        }

        if (context.Request.Cookies[CookieName] is "en" or "ru")
        {
            return new Text(context.Request.Cookies[CookieName] == "ru");
        }

        var accepted = context.Request.GetTypedHeaders().AcceptLanguage
            .Where(l => l.Quality is null or > 0)
            .OrderByDescending(l => l.Quality ?? 1)
            .Select(l => l.Value.ToString())
            .FirstOrDefault(l => l.StartsWith("ru", StringComparison.OrdinalIgnoreCase) || l.StartsWith("en", StringComparison.OrdinalIgnoreCase));
        return new Text(accepted?.StartsWith("ru", StringComparison.OrdinalIgnoreCase) == true);
    }
}
