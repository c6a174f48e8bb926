using System.Text;
using LiaisonNet.Directory.Model;

namespace LiaisonNet.Directory.Seed;

/// <summary>
/// A synthetic directory of any size with realistic Central Asian and Afghan names: native script (Cyrillic or
/// Perso-Arabic), a passport (ICAO 9303) Latin form and a national-alphabet Latin form, spread over the demo agencies,
/// centres and crossing points, with desks and rosters. Deterministic for a given seed. For benchmarks and load tests.
/// </summary>
public static class SyntheticDirectory
{
    private sealed record Naming(string Country, string[] Surnames, string[] Given, string Son, string Daughter);

    private static readonly Naming[] Namings =
    [
        new("KZ",
            ["Сейткали", "Нұрлан", "Жақсылық", "Қасым", "Әбдірахман", "Бекмұхамбет", "Тоқтар", "Ерғали", "Сәрсенбай", "Жұмабай", "Қуаныш", "Оспан", "Исабек", "Мұқан", "Дүйсен",
             "Темірхан", "Ахмет", "Байғали", "Есенғали", "Құрманғали", "Шәріп", "Жаңабай", "Смағұл", "Төлеген", "Рахым", "Садық", "Әлімжан", "Қайрат", "Серік", "Ғабдулла"],
            ["Ерлан", "Нұрлан", "Асқар", "Бауыржан", "Дәурен", "Ержан", "Қанат", "Мұрат", "Нұрсұлтан", "Сәкен", "Әйгерім", "Гүлнар", "Динара", "Жанар", "Қарлығаш", "Салтанат", "Айгүл", "Ғалым", "Талғат", "Аңсар"],
            "ұлы", "қызы"),
        new("UZ",
            ["Ходжа", "Жура", "Юсуп", "Қодир", "Рахмон", "Каримов", "Тошпулат", "Эргаш", "Норбой", "Шукур", "Абдулла", "Исмоил", "Хамид", "Мирзо", "Султон",
             "Ғани", "Бобур", "Зокир", "Очил", "Умар", "Холмат", "Пўлат", "Жаббор", "Саттор", "Раҳим", "Турсун", "Абдувоҳид", "Иброҳим", "Назар", "Шарип"],
            ["Рустам", "Жамшид", "Шерзод", "Дилноза", "Улуғбек", "Бахтиёр", "Ғайрат", "Нодира", "Феруза", "Зарина", "Отабек", "Санжар", "Жасур", "Лола", "Мадина", "Ҳусан", "Аброр", "Ойбек", "Шаҳноза", "Азиз"],
            "ович", "овна"),
        new("KG",
            ["Асан", "Сыдык", "Мамыт", "Токтор", "Темир", "Бакир", "Жээнбек", "Курман", "Абдыкадыр", "Эсен", "Осмон", "Ташиев", "Кадыр", "Сатыбалды", "Жумабек",
             "Акмат", "Бейшен", "Дүйшөн", "Өмүрбек", "Сагын", "Турдубай", "Үсөн", "Чыныбай", "Ырыс", "Шамшы", "Нурбек", "Алмаз", "Кубат", "Мырза", "Орозбек"],
            ["Бакыт", "Нурбек", "Эрлан", "Азамат", "Айпери", "Бермет", "Данияр", "Жылдыз", "Канат", "Мирлан", "Нургүл", "Самат", "Таалай", "Улан", "Чолпон", "Эркин", "Айбек", "Гүлзат", "Медер", "Өмүр"],
            "ович", "овна"),
        new("TJ",
            ["Раҳим", "Назар", "Саид", "Шариф", "Ҷалол", "Қурбон", "Ғафур", "Исмоил", "Файзулло", "Ҳасан", "Давлат", "Зариф", "Мирзо", "Наврӯз", "Олим",
             "Пулод", "Сафар", "Тӯра", "Умар", "Хоҷа", "Ҳайдар", "Ҷамшед", "Шоҳин", "Ёдгор", "Ашур", "Бахтиёр", "Валӣ", "Додар", "Комил", "Луқмон"],
            ["Фирдавс", "Ҷамшед", "Малика", "Фарҳод", "Далер", "Зарина", "Илҳом", "Кароматулло", "Лайло", "Манучеҳр", "Нилуфар", "Парвиз", "Рустам", "Сомон", "Тоҳир", "Фаридун", "Хуршед", "Шаҳло", "Эраҷ", "Ҳусниддин"],
            "ович", "овна"),
        new("TM",
            ["Оразов", "Бердиев", "Аннаев", "Мередов", "Гурбанов", "Ниязов", "Овезов", "Атаев", "Чарыев", "Халлыев", "Дурдыев", "Сапаров", "Байрамов", "Хыдыров", "Ягшиев",
             "Аманов", "Гельдиев", "Джумаев", "Клычев", "Мамедов", "Нурыев", "Пенджиев", "Реджепов", "Ташлиев", "Уразов", "Худайбердиев", "Эсенов", "Язлыев", "Аширов", "Борджаков"],
            ["Мерген", "Сердар", "Огулджерен", "Довлет", "Батыр", "Гуванч", "Джемал", "Ейран", "Мая", "Нурмухаммет", "Ораз", "Парахат", "Рахман", "Сельби", "Тойли", "Шатлык", "Эзиз", "Язгелди", "Аннагелди", "Бахар"],
            "ович", "овна"),
    ];

    private static readonly (string Native, string Latin)[] AfghanSurnames =
    [
        ("احمدی", "Ahmadi"), ("کریمی", "Karimi"), ("نوری", "Noori"), ("رحیمی", "Rahimi"), ("حیدری", "Haidari"), ("صدیقی", "Siddiqi"), ("عزیزی", "Azizi"),
        ("محمدی", "Mohammadi"), ("حسینی", "Hosseini"), ("یوسفی", "Yousufi"), ("ستانکزی", "Stanekzai"), ("پوپلزی", "Popalzai"), ("وردک", "Wardak"),
        ("امیری", "Amiri"), ("فرهادی", "Farhadi"), ("قادری", "Qaderi"), ("رسولی", "Rasuli"), ("سلطانی", "Sultani"), ("جلالی", "Jalali"), ("نظری", "Nazari"),
    ];

    private static readonly (string Native, string Latin)[] AfghanGiven =
    [
        ("محمد", "Mohammad"), ("احمد", "Ahmad"), ("عبدالله", "Abdullah"), ("نجیب", "Najib"), ("فرید", "Farid"), ("حمید", "Hamid"), ("جاوید", "Javid"),
        ("مسعود", "Masoud"), ("رحمت", "Rahmat"), ("شفیق", "Shafiq"), ("ذبیح", "Zabih"), ("نادر", "Nader"), ("یما", "Yama"), ("ولی", "Wali"), ("کریم", "Karim"),
    ];

    private static readonly string[] Ranks = ["Lieutenant", "Senior Lieutenant", "Captain", "Major", "Lieutenant Colonel", "Colonel", "Inspector", "Senior Inspector"];
    private static readonly string[] Specialities = ["counter-terrorism", "migration", "document fraud", "customs fraud", "narcotics", "financial intelligence", "border security", "arms trafficking", "human trafficking"];
    private static readonly string[] Clearances = ["CONFIDENTIAL", "SECRET", "TOP SECRET"];

    private static readonly Dictionary<string, string[]> Languages = new()
    {
        ["KZ"] = ["kk", "ru"], ["UZ"] = ["uz", "ru"], ["KG"] = ["ky", "ru"], ["TJ"] = ["tg", "ru"], ["TM"] = ["tk", "ru"], ["AF"] = ["fa", "ps"],
    };

    public static (IReadOnlyList<OfficerRecord> Officers, IReadOnlyList<DeskRecord> Desks) Generate(int count, int seed)
    {
        var random = new Random(seed);
        var officers = new List<OfficerRecord>(count);
        var agencies = DemoDirectory.Agencies;
        for (var i = 0; i < count; i++)
        {
            var agency = agencies[random.Next(agencies.Count)];
            var places = DemoDirectory.Places.Where(p => p.Countries.Contains(agency.Country)).ToList();
            var place = places.Count > 0 && random.Next(4) > 0 ? places[random.Next(places.Count)] : null;
            var (native, latin, variants) = agency.Country == "AF" ? AfghanName(random) : CyrillicName(random, agency.Country);
            var own = Languages[agency.Country];
            var languages = own.Select((l, n) => new LanguageSkill(l, n == 0 ? "native" : "fluent")).ToList();
            if (random.Next(3) == 0)
            {
                languages.Add(new LanguageSkill("en", LanguageSkill.Levels[2 + random.Next(2)]));
            }

            var id = $"{agency.Code.ToLowerInvariant()}-{i:D6}";
            officers.Add(new OfficerRecord
            {
                Id = id,
                NativeName = native,
                LatinName = latin,
                Variants = variants,
                Rank = Ranks[random.Next(Ranks.Length)],
                Country = agency.Country,
                Agency = agency.Code,
                AgencyName = agency.Name,
                Posting = place?.Name ?? $"{agency.Name}, headquarters",
                Centre = place is not null && PlaceKinds.IsCentre(place.Kind) ? place.Id : null,
                CrossingPoint = place is { Kind: PlaceKinds.CrossingPoint } ? place.Id : null,
                Languages = languages,
                Specialities = [Specialities[random.Next(Specialities.Length)]],
                Contacts = [new Contact("email", $"{id}@liaison.example")],
                RestrictedFields = new Restricted($"+000 {random.Next(100, 999)} {random.Next(1000, 9999)}", Clearances[random.Next(Clearances.Length)], $"{agency.Code} unit {random.Next(1, 40)}"),
                Version = 1,
            });
        }

        // One desk for every 200 officers, staffed around the clock by officers of its agency.
        var desks = new List<DeskRecord>();
        foreach (var group in officers.GroupBy(o => (o.Agency, Place: o.CrossingPoint ?? o.Centre)).Where(g => g.Key.Place is not null))
        {
            var staff = group.ToList();
            for (var d = 0; d * 200 < staff.Count && staff.Count >= 3; d++)
            {
                var place = DemoDirectory.Places.First(p => p.Id == group.Key.Place);
                var pick = staff.Skip(d * 3).Take(3).ToList();
                if (pick.Count < 3)
                {
                    break;
                }

                desks.Add(new DeskRecord
                {
                    Id = $"{group.Key.Agency.ToLowerInvariant()}-{place.Id}-desk-{d}",
                    Name = $"{place.Name} desk {d + 1}",
                    Agency = group.Key.Agency,
                    Country = group.Key.Agency[..2],
                    Centre = place.Kind == PlaceKinds.CrossingPoint ? null : place.Id,
                    CrossingPoint = place.Kind == PlaceKinds.CrossingPoint ? place.Id : null,
                    TimeZone = place.TimeZone,
                    Roster =
                    [
                        new ShiftRecord(ShiftRecord.DayNames, "08:00", "16:00", pick[0].Id, pick[1].Id),
                        new ShiftRecord(ShiftRecord.DayNames, "16:00", "00:00", pick[1].Id, pick[2].Id),
                        new ShiftRecord(ShiftRecord.DayNames, "00:00", "08:00", pick[2].Id, pick[0].Id),
                    ],
                    Version = 1,
                });
            }
        }

        return (officers, desks);
    }

    private static (string Native, string Latin, string[] Variants) CyrillicName(Random random, string country)
    {
        var naming = Namings.First(n => n.Country == country);
        var female = random.Next(3) == 0;
        var root = naming.Surnames[random.Next(naming.Surnames.Length)];
        var surname = root.EndsWith("ов", StringComparison.Ordinal) || root.EndsWith("ев", StringComparison.Ordinal)
            ? root + (female ? "а" : string.Empty)
            : root + (female ? "ова" : "ов");
        var given = naming.Given[random.Next(naming.Given.Length)];
        var father = naming.Given[random.Next(naming.Given.Length)];
        var patronymic = father + (female ? naming.Daughter : naming.Son);
        var native = $"{surname} {given} {patronymic}";
        var passport = $"{Transliterate(surname, Passport)} {Transliterate(given, Passport)}";
        var national = $"{Transliterate(surname, National)} {Transliterate(given, National)}";
        return (native, passport, national == passport ? [] : [national]);
    }

    private static (string Native, string Latin, string[] Variants) AfghanName(Random random)
    {
        var surname = AfghanSurnames[random.Next(AfghanSurnames.Length)];
        var given = AfghanGiven[random.Next(AfghanGiven.Length)];
        return ($"{surname.Native} {given.Native}", $"{surname.Latin} {given.Latin}", []);
    }

    private static readonly Dictionary<char, string> Passport = new()
    {
        ['а'] = "a", ['б'] = "b", ['в'] = "v", ['г'] = "g", ['д'] = "d", ['е'] = "e", ['ё'] = "e", ['ж'] = "zh", ['з'] = "z", ['и'] = "i", ['й'] = "i",
        ['к'] = "k", ['л'] = "l", ['м'] = "m", ['н'] = "n", ['о'] = "o", ['п'] = "p", ['р'] = "r", ['с'] = "s", ['т'] = "t", ['у'] = "u", ['ф'] = "f",
        ['х'] = "kh", ['ц'] = "ts", ['ч'] = "ch", ['ш'] = "sh", ['щ'] = "shch", ['ъ'] = "ie", ['ы'] = "y", ['ь'] = "", ['э'] = "e", ['ю'] = "iu", ['я'] = "ia",
        ['ә'] = "a", ['ғ'] = "g", ['қ'] = "k", ['ң'] = "n", ['ө'] = "o", ['ұ'] = "u", ['ү'] = "u", ['һ'] = "h", ['і'] = "i", ['ҳ'] = "kh", ['ҷ'] = "dzh",
        ['ӣ'] = "i", ['ӯ'] = "u", ['ў'] = "u",
    };

    private static readonly Dictionary<char, string> National = new()
    {
        ['а'] = "a", ['б'] = "b", ['в'] = "v", ['г'] = "g", ['д'] = "d", ['е'] = "e", ['ё'] = "yo", ['ж'] = "j", ['з'] = "z", ['и'] = "i", ['й'] = "y",
        ['к'] = "k", ['л'] = "l", ['м'] = "m", ['н'] = "n", ['о'] = "o", ['п'] = "p", ['р'] = "r", ['с'] = "s", ['т'] = "t", ['у'] = "u", ['ф'] = "f",
        ['х'] = "x", ['ц'] = "s", ['ч'] = "ch", ['ш'] = "sh", ['щ'] = "sh", ['ъ'] = "", ['ы'] = "y", ['ь'] = "", ['э'] = "e", ['ю'] = "yu", ['я'] = "ya",
        ['ә'] = "ä", ['ғ'] = "ğ", ['қ'] = "q", ['ң'] = "ñ", ['ө'] = "ö", ['ұ'] = "u", ['ү'] = "ü", ['һ'] = "h", ['і'] = "ı", ['ҳ'] = "h", ['ҷ'] = "j",
        ['ӣ'] = "ī", ['ӯ'] = "ū", ['ў'] = "o‘",
    };

    private static string Transliterate(string text, Dictionary<char, string> table)
    {
        var result = new StringBuilder(text.Length + 4);
        foreach (var c in text)
        {
            var lower = char.ToLowerInvariant(c);
            var mapped = table.TryGetValue(lower, out var latin) ? latin : c.ToString();
            result.Append(char.IsUpper(c) && mapped.Length > 0 ? char.ToUpperInvariant(mapped[0]) + mapped[1..] : mapped);
        }

        return result.ToString();
    }
}
