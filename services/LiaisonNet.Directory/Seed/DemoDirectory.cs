using LiaisonNet.Directory.Model;

namespace LiaisonNet.Directory.Seed;

/// <summary>
/// The demo directory of the embedded default: the five Central Asian states and Afghanistan, several agencies each,
/// joint centres, border liaison offices and crossing points, officers named in Cyrillic, Latin and Perso-Arabic, and
/// duty desks with rosters in their own time zones.
/// </summary>
public static class DemoDirectory
{
    // Declared first: the desks below are built from them when the class initialises.
    private static readonly string[] Everyday = ShiftRecord.DayNames;

    public static IReadOnlyList<DistributionList> DistributionLists { get; } =
    [
        new("bolo-afghan-border", "Be on the lookout: Afghan border crossings", ["af-bp-sher-khan-desk", "tj-dca-panj-desk", "uz-cus-oybek-desk"]),
        new("regional-duty-desks", "Regional duty desks", ["af-bp-national-desk", "kz-bs-national-desk", "kg-bs-dostuk-desk", "tm-bs-ashgabat-desk", "tj-dca-panj-desk", "uz-cus-oybek-desk"]),
    ];
    private static readonly string[] Weekdays = ["mon", "tue", "wed", "thu", "fri"];

    public static IReadOnlyList<Country> Countries { get; } =
    [
        new("KZ", "Kazakhstan", "Қазақстан"),
        new("UZ", "Uzbekistan", "O‘zbekiston"),
        new("KG", "Kyrgyzstan", "Кыргызстан"),
        new("TJ", "Tajikistan", "Тоҷикистон"),
        new("TM", "Turkmenistan", "Türkmenistan"),
        new("AF", "Afghanistan", "افغانستان"),
    ];

    public static IReadOnlyList<Agency> Agencies { get; } =
    [
        new("KZ-BS", "KZ", "Border Service of the National Security Committee of Kazakhstan", "ҰҚК Шекара қызметі"),
        new("KZ-CUS", "KZ", "State Revenue Committee of Kazakhstan (Customs)", "Мемлекеттік кірістер комитеті"),
        new("KZ-POL", "KZ", "Ministry of Internal Affairs of Kazakhstan", "Ішкі істер министрлігі"),
        new("UZ-CUS", "UZ", "Customs Committee of Uzbekistan", "Bojxona qo‘mitasi"),
        new("UZ-BS", "UZ", "Border Troops of the State Security Service of Uzbekistan", "Chegara qo‘shinlari"),
        new("KG-BS", "KG", "Border Service of the State Committee for National Security of the Kyrgyz Republic", "Чек ара кызматы"),
        new("KG-CUS", "KG", "State Customs Service of the Kyrgyz Republic", "Мамлекеттик бажы кызматы"),
        new("TJ-BS", "TJ", "Border Troops of the State Committee for National Security of Tajikistan", "Қўшунҳои сарҳадӣ"),
        new("TJ-DCA", "TJ", "Drug Control Agency of Tajikistan", "Агентии назорати маводи мухаддир"),
        new("TM-BS", "TM", "State Border Service of Turkmenistan", "Döwlet serhet gullugy"),
        new("TM-CUS", "TM", "State Customs Service of Turkmenistan", "Döwlet gümrük gullugy"),
        new("AF-BP", "AF", "Afghan Border Police", "پولیس سرحدی"),
        new("AF-CNPA", "AF", "Counter Narcotics Police of Afghanistan", "پولیس مبارزه با مواد مخدر"),
    ];

    public static IReadOnlyList<Unit> Units { get; } =
    [
        new("kz-bs-almaty-rbd", "KZ-BS", "Almaty Regional Border Directorate", "Алматы өңірлік шекара басқармасы"),
        new("kz-bs-turkistan-rbd", "KZ-BS", "Turkistan Regional Border Directorate", "Түркістан өңірлік шекара басқармасы"),
        new("kz-bs-hq", "KZ-BS", "Border Service Headquarters", "Шекара қызметінің штабы"),
        new("kz-cus-almaty", "KZ-CUS", "Almaty Customs Department", "Алматы кеден департаменті"),
        new("kz-pol-dcdc", "KZ-POL", "Department for Combating Drug Crime", "Есірткі қылмысына қарсы күрес департаменті"),
        new("uz-cus-tashkent", "UZ-CUS", "Tashkent Regional Customs Administration", "Toshkent viloyati bojxona boshqarmasi"),
        new("uz-bs-surkhandarya", "UZ-BS", "Surkhandarya Border Detachment", "Surxondaryo chegara otryadi"),
        new("uz-bs-andijan", "UZ-BS", "Andijan Border Detachment", "Andijon chegara otryadi"),
        new("kg-bs-osh", "KG-BS", "Osh Border Detachment", "Ош чек ара отряды"),
        new("kg-bs-batken", "KG-BS", "Batken Border Detachment", "Баткен чек ара отряды"),
        new("kg-cus-naryn", "KG-CUS", "Naryn Customs", "Нарын бажысы"),
        new("tj-dca-khatlon", "TJ-DCA", "Khatlon Regional Department", "Раёсати вилоятии Хатлон"),
        new("tj-bs-gbao", "TJ-BS", "Gorno-Badakhshan Border Detachment", "Отряди сарҳадии Бадахшон"),
        new("tj-bs-sughd", "TJ-BS", "Sughd Border Detachment", "Отряди сарҳадии Суғд"),
        new("tm-bs-ahal", "TM-BS", "Ahal Border Detachment", "Ahal serhet bölümi"),
        new("tm-cus-lebap", "TM-CUS", "Lebap Customs", "Lebap gümrügi"),
        new("af-bp-kunduz", "AF-BP", "Kunduz Border Brigade", "لوای سرحدی کندز"),
        new("af-bp-hq", "AF-BP", "Border Police Headquarters", "قوماندانی پولیس سرحدی"),
        new("af-cnpa-balkh", "AF-CNPA", "Balkh Counter Narcotics Unit", "واحد مبارزه با مواد مخدر بلخ"),
    ];

    public static IReadOnlyList<Place> Places { get; } =
    [
        new("khorgos-jbcc", PlaceKinds.JointCentre, "Khorgos Joint Border Cooperation Centre", ["Хоргос", "Қорғас", "Qorğas", "Khorgos"], ["KZ", "CN"], "Asia/Almaty"),
        new("caricc", PlaceKinds.CoordinationCentre, "Central Asian Regional Information and Coordination Centre, Almaty", ["CARICC", "ЦАРИКЦ", "Almaty", "Алматы"], ["KZ", "KG", "TJ", "TM", "UZ", "AF"], "Asia/Almaty"),
        new("termez-hairatan-blo", PlaceKinds.BorderLiaisonOffice, "Termez–Hairatan Border Liaison Office", ["Термез", "Termiz", "Hairatan", "حیرتان"], ["UZ", "AF"], "Asia/Tashkent"),
        new("karamyk-blo", PlaceKinds.BorderLiaisonOffice, "Karamyk–Karamyk Border Liaison Office", ["Карамык", "Qaramiq"], ["KG", "TJ"], "Asia/Bishkek"),
        new("ishkashim-blo", PlaceKinds.BorderLiaisonOffice, "Ishkashim Border Liaison Office", ["Ишкошим", "اشکاشم", "Eshkashem"], ["TJ", "AF"], "Asia/Dushanbe"),
        new("ashgabat-bcc", PlaceKinds.CoordinationCentre, "Ashgabat Border Coordination Centre", ["Ашхабад", "Ашгабат", "Aşgabat"], ["TM"], "Asia/Ashgabat"),
        new("zhibek-zholy", PlaceKinds.CrossingPoint, "Zhibek Zholy crossing point", ["Жібек жолы", "Jibek Joli", "Gisht Kuprik", "Гишткуприк"], ["KZ", "UZ"], "Asia/Almaty"),
        new("oybek", PlaceKinds.CrossingPoint, "Oybek crossing point", ["Ойбек", "Oybek"], ["UZ", "TJ"], "Asia/Tashkent"),
        new("yallama", PlaceKinds.CrossingPoint, "Yallama crossing point", ["Яллама", "Yallama"], ["UZ", "KZ"], "Asia/Tashkent"),
        new("dostuk", PlaceKinds.CrossingPoint, "Dostuk–Dustlik crossing point", ["Достук", "Дустлик", "Do‘stlik"], ["KG", "UZ"], "Asia/Bishkek"),
        new("torugart", PlaceKinds.CrossingPoint, "Torugart crossing point", ["Торугарт"], ["KG", "CN"], "Asia/Bishkek"),
        new("nizhny-panj", PlaceKinds.CrossingPoint, "Nizhny Panj crossing point", ["Нижний Пяндж", "Panji Poyon", "Панҷи Поён"], ["TJ", "AF"], "Asia/Dushanbe"),
        new("sher-khan-bandar", PlaceKinds.CrossingPoint, "Sher Khan Bandar crossing point", ["شیرخان بندر", "Shirkhan Bandar", "Шерхан Бандар"], ["AF", "TJ"], "Asia/Kabul"),
        new("hairatan", PlaceKinds.CrossingPoint, "Hairatan crossing point", ["حیرتان", "Hayratan", "Хайратон"], ["AF", "UZ"], "Asia/Kabul"),
        new("farap", PlaceKinds.CrossingPoint, "Farap crossing point", ["Фарап", "Farap"], ["TM", "UZ"], "Asia/Ashgabat"),
        new("fotehobod", PlaceKinds.CrossingPoint, "Fotehobod crossing point", ["Фотехобод", "Oybek–Fotehobod"], ["TJ", "UZ"], "Asia/Dushanbe"),
    ];

    public static IReadOnlyList<OfficerRecord> Officers { get; } =
    [
        Officer("kz-bs-sattarkhanov", "Саттарханов Ерлан Болатұлы", "Sattarkhanov Yerlan", ["Sattarkhanov Erlan", "Sattarxanov Erlan"], "Major", "KZ-BS",
            "Khorgos JBCC, liaison officer", "khorgos-jbcc", null, ["kk:native", "ru:fluent", "en:working"], ["counter-terrorism", "migration"], "+7 7172 55 01 10", "SECRET", "Almaty Regional Border Directorate"),
        Officer("kz-bs-qasymov", "Қасымов Нұрлан Серікұлы", "Qasymov Nurlan", ["Kasymov Nurlan"], "Captain", "KZ-BS",
            "Zhibek Zholy crossing point, shift commander", null, "zhibek-zholy", ["kk:native", "ru:fluent"], ["document fraud"], "+7 7252 40 22 17", "CONFIDENTIAL", "Turkistan Regional Border Directorate"),
        Officer("kz-bs-ghabdullin", "Ғабдуллин Қайрат Жаңабайұлы", "Gabdullin Kairat", ["Ghabdullin Qairat"], "Lieutenant Colonel", "KZ-BS",
            "National duty desk, Astana", null, null, ["kk:native", "ru:native", "en:basic"], ["border security"], "+7 7172 55 02 31", "TOP SECRET", "Border Service Headquarters"),
        Officer("kz-cus-zhaksylykova", "Жақсылықова Әйгерім Маратқызы", "Zhaksylykova Aigerim", ["Jaqsylyqova Aigerim", "Zhaqsylyqova Aygerim"], "Senior Inspector", "KZ-CUS",
            "Khorgos JBCC, customs desk", "khorgos-jbcc", null, ["kk:native", "ru:fluent", "en:working", "zh:basic"], ["customs fraud"], "+7 7282 30 44 51", "CONFIDENTIAL", "Almaty Customs Department"),
        Officer("kz-pol-baizhanov", "Байжанов Ғалым Ержанұлы", "Baizhanov Galym", ["Bayjanov Ghalym", "Baijanov Galym"], "Lieutenant Colonel", "KZ-POL",
            "CARICC, Almaty", "caricc", null, ["kk:native", "ru:native", "en:fluent"], ["narcotics", "financial intelligence"], "+7 7272 58 19 03", "SECRET", "Department for Combating Drug Crime"),
        Officer("uz-cus-khodjaev", "Ходжаев Рустам Алишерович", "Xo‘jayev Rustam", ["Khojaev Rustam"], "Lieutenant Colonel", "UZ-CUS",
            "Oybek crossing point, customs post chief", null, "oybek", ["uz:native", "ru:fluent", "en:working"], ["customs fraud", "narcotics"], "+998 71 120 76 54", "SECRET", "Tashkent Regional Customs Administration"),
        Officer("uz-bs-juraev", "Жураев Жамшид Бахтиёрович", "Jo‘rayev Jamshid", ["Zhuraev Dzhamshid", "Juraev Jamshid"], "Major", "UZ-BS",
            "Termez–Hairatan BLO", "termez-hairatan-blo", null, ["uz:native", "ru:fluent", "fa:working"], ["counter-terrorism"], "+998 76 222 31 08", "SECRET", "Surkhandarya Border Detachment"),
        Officer("uz-cus-yusupova", "Юсупова Дилноза Рустамовна", "Yusupova Dilnoza", ["Iusupova Dilnoza"], "Captain", "UZ-CUS",
            "Yallama crossing point", null, "yallama", ["uz:native", "ru:fluent", "en:working"], ["customs fraud", "document fraud"], "+998 71 150 22 94", "CONFIDENTIAL", "Tashkent Regional Customs Administration"),
        Officer("uz-bs-qodirov", "Қодиров Шерзод", "Qodirov Sherzod", ["Kodirov Sherzod", "Kadyrov Sherzod"], "Senior Lieutenant", "UZ-BS",
            "Dustlik crossing point", null, "dostuk", ["uz:native", "ru:fluent", "ky:working"], ["migration"], "+998 74 228 40 12", "CONFIDENTIAL", "Andijan Border Detachment"),
        Officer("kg-bs-asanov", "Асанов Бакыт Токтогулович", "Asanov Bakyt", ["Asanov Bakit"], "Major", "KG-BS",
            "Dostuk crossing point, liaison officer", null, "dostuk", ["ky:native", "ru:fluent", "uz:working"], ["migration", "document fraud"], "+996 3222 5 44 10", "CONFIDENTIAL", "Osh Border Detachment"),
        Officer("kg-bs-sydykov", "Сыдыков Нурбек Алмазбекович", "Sydykov Nurbek", ["Sidikov Nurbek"], "Captain", "KG-BS",
            "Karamyk–Karamyk BLO", "karamyk-blo", null, ["ky:native", "ru:fluent", "tg:basic"], ["counter-terrorism"], "+996 3622 2 18 77", "SECRET", "Batken Border Detachment"),
        Officer("kg-bs-mamytov", "Мамытов Эрлан Кубатович", "Mamytov Erlan", ["Mamitov Erlan"], "Senior Lieutenant", "KG-BS",
            "Dostuk crossing point, shift officer", null, "dostuk", ["ky:native", "ru:fluent"], ["migration"], "+996 3222 5 44 31", "CONFIDENTIAL", "Osh Border Detachment"),
        Officer("kg-bs-toktorov", "Токторов Азамат Бекович", "Toktorov Azamat", ["Toktorov Azamat"], "Lieutenant Colonel", "KG-BS",
            "Osh Border Detachment, duty supervisor", null, null, ["ky:native", "ru:native", "en:working"], ["border security"], "+996 3222 5 40 01", "SECRET", "Osh Border Detachment"),
        Officer("kg-cus-temirova", "Темирова Айпери Кубанычбековна", "Temirova Aiperi", ["Temirova Ayperi"], "Inspector", "KG-CUS",
            "Torugart crossing point", null, "torugart", ["ky:native", "ru:fluent", "en:working", "zh:working"], ["customs fraud"], "+996 312 61 40 88", "CONFIDENTIAL", "Naryn Customs"),
        Officer("tj-dca-rahimov", "Раҳимов Фирдавс Саидович", "Rahimov Firdavs", ["Rakhimov Firdavs", "Rahimov Firdavs"], "Colonel", "TJ-DCA",
            "Nizhny Panj crossing point", null, "nizhny-panj", ["tg:native", "ru:fluent", "fa:fluent", "en:working"], ["narcotics"], "+992 37 221 50 06", "SECRET", "Khatlon Regional Department"),
        Officer("tj-bs-nazarov", "Назаров Ҷамшед Умарович", "Nazarov Jamshed", ["Nazarov Dzhamshed"], "Major", "TJ-BS",
            "Ishkashim BLO", "ishkashim-blo", null, ["tg:native", "ru:fluent", "fa:fluent"], ["counter-terrorism", "migration"], "+992 35 222 17 40", "SECRET", "Gorno-Badakhshan Border Detachment"),
        Officer("tj-bs-saidova", "Саидова Малика", "Saidova Malika", ["Saidova Malikha"], "Lieutenant", "TJ-BS",
            "Fotehobod crossing point", null, "fotehobod", ["tg:native", "ru:fluent", "uz:working"], ["document fraud"], "+992 34 422 09 61", "CONFIDENTIAL", "Sughd Border Detachment"),
        Officer("tm-bs-orazov", "Оразов Мерген Бердимурадович", "Orazow Mergen", ["Orazov Mergen"], "Lieutenant Colonel", "TM-BS",
            "Ashgabat border coordination centre", "ashgabat-bcc", null, ["tk:native", "ru:fluent", "en:working"], ["counter-terrorism"], "+993 12 39 44 10", "SECRET", "Ahal Border Detachment"),
        Officer("tm-bs-berdiyev", "Бердиев Сердар Аманович", "Berdiýew Serdar", ["Berdiyev Serdar", "Berdiev Serdar"], "Major", "TM-BS",
            "Ashgabat border coordination centre, deputy", "ashgabat-bcc", null, ["tk:native", "ru:fluent"], ["migration"], "+993 12 39 44 22", "SECRET", "Ahal Border Detachment"),
        Officer("tm-cus-annayeva", "Аннаева Огулджерен", "Annaýewa Ogulǰeren", ["Annaeva Oguldzheren", "Annayeva Oguljeren"], "Senior Inspector", "TM-CUS",
            "Farap crossing point", null, "farap", ["tk:native", "ru:fluent"], ["customs fraud"], "+993 422 2 31 54", "CONFIDENTIAL", "Lebap Customs"),
        Officer("af-bp-ahmadi", "احمدی نجیب", "Ahmadi Najib", ["Akhmadi Nadzhib", "Ahmadi Najeeb"], "Colonel", "AF-BP",
            "Sher Khan Bandar crossing point", null, "sher-khan-bandar", ["fa:native", "ps:fluent", "en:working"], ["counter-terrorism", "migration"], "+93 20 210 4411", "SECRET", "Kunduz Border Brigade"),
        Officer("af-bp-noori", "نوری عبدالله", "Noori Abdullah", ["Nuri Abdulla", "Noori Abdulla"], "Major", "AF-BP",
            "Sher Khan Bandar crossing point, night shift", null, "sher-khan-bandar", ["fa:native", "ps:native", "uz:basic"], ["migration"], "+93 20 210 4432", "SECRET", "Kunduz Border Brigade"),
        Officer("af-bp-stanekzai", "ستانکزی محمد", "Stanekzai Mohammad", ["Stanikzai Muhammad"], "Brigadier General", "AF-BP",
            "National border police duty desk, Kabul", null, null, ["ps:native", "fa:native", "en:fluent"], ["border security"], "+93 20 210 4400", "TOP SECRET", "Border Police Headquarters"),
        Officer("af-cnpa-karimi", "کریمی فرید", "Karimi Farid", ["Karimi Fareed"], "Major", "AF-CNPA",
            "Hairatan crossing point", null, "hairatan", ["fa:native", "uz:working", "en:working"], ["narcotics"], "+93 50 220 1870", "SECRET", "Balkh Counter Narcotics Unit"),
    ];

    /// <summary>Desks whose rosters show the cases the duty logic must get right: half-hour offsets, shifts across midnight, days with nobody rostered.</summary>
    public static IReadOnlyList<DeskRecord> Desks { get; } =
    [
        Desk("af-bp-sher-khan-desk", "Sher Khan Bandar duty desk", "AF-BP", null, "sher-khan-bandar", "Asia/Kabul",
            [Shift(Everyday, "08:00", "20:00", "af-bp-ahmadi", "af-bp-noori"), Shift(Everyday, "20:00", "08:00", "af-bp-noori", "af-bp-ahmadi")],
            "af-bp-stanekzai", "af-bp-national-desk"),
        Desk("af-bp-national-desk", "Afghan Border Police national duty desk", "AF-BP", null, null, "Asia/Kabul",
            [Shift(Everyday, "00:00", "00:00", "af-bp-stanekzai", null)], null, null),
        Desk("tm-bs-ashgabat-desk", "Ashgabat coordination centre duty desk", "TM-BS", "ashgabat-bcc", null, "Asia/Ashgabat",
            [Shift(Weekdays, "09:00", "18:00", "tm-bs-orazov", "tm-bs-berdiyev")], "tm-bs-orazov", null),
        Desk("kg-bs-dostuk-desk", "Dostuk crossing point duty desk", "KG-BS", null, "dostuk", "Asia/Bishkek",
            [
                Shift(Everyday, "06:00", "14:00", "kg-bs-asanov", "kg-bs-mamytov"),
                Shift(Everyday, "14:00", "22:00", "kg-bs-mamytov", "kg-bs-asanov"),
                Shift(Everyday, "22:00", "06:00", "kg-bs-sydykov", "kg-bs-asanov"),
            ],
            "kg-bs-toktorov", null),
        Desk("kz-bs-khorgos-desk", "Khorgos JBCC border desk", "KZ-BS", "khorgos-jbcc", null, "Asia/Almaty",
            [Shift(Everyday, "08:00", "20:00", "kz-bs-sattarkhanov", "kz-bs-qasymov"), Shift(Everyday, "20:00", "08:00", "kz-bs-qasymov", "kz-bs-sattarkhanov")],
            "kz-bs-ghabdullin", "kz-bs-national-desk"),
        Desk("kz-bs-national-desk", "Kazakhstan Border Service national duty desk", "KZ-BS", null, null, "Asia/Almaty",
            [Shift(Everyday, "00:00", "00:00", "kz-bs-ghabdullin", null)], null, null),
        Desk("uz-cus-oybek-desk", "Oybek customs duty desk", "UZ-CUS", null, "oybek", "Asia/Tashkent",
            [Shift(Everyday, "08:00", "20:00", "uz-cus-khodjaev", "uz-cus-yusupova"), Shift(Everyday, "20:00", "08:00", "uz-cus-yusupova", "uz-cus-khodjaev")],
            null, null),
        Desk("tj-dca-panj-desk", "Nizhny Panj drug control desk", "TJ-DCA", null, "nizhny-panj", "Asia/Dushanbe",
            [Shift(Everyday, "00:00", "00:00", "tj-dca-rahimov", null)], null, null),
    ];

    /// <summary>The demo automation client, registered at the identity server as a sender of KZ-BS.</summary>
    public static IReadOnlyList<SenderRecord> Senders { get; } =
    [
        new() { Id = "liaison-demo-automation", Name = "KZ-BS border alerting system (demo)", Agency = "KZ-BS", Country = "KZ",
            Description = "Sends automated notices of the Kazakh Border Service in the demo.", Version = 1 },
    ];

    private static ShiftRecord Shift(string[] days, string start, string end, string primary, string? backup) => new(days, start, end, primary, backup);

    private static DeskRecord Desk(string id, string name, string agency, string? centre, string? crossingPoint, string zone, ShiftRecord[] roster, string? supervisor, string? escalation) => new()
    {
        Id = id,
        Name = name,
        Agency = agency,
        Country = agency[..2],
        Centre = centre,
        CrossingPoint = crossingPoint,
        TimeZone = zone,
        Roster = roster,
        Supervisor = supervisor,
        EscalationDesk = escalation,
        Contacts = [new Contact("phone", "duty line of " + name)],
        Version = 1,
    };

    private static OfficerRecord Officer(string id, string native, string latin, string[] variants, string rank, string agency, string posting,
        string? centre, string? crossingPoint, string[] languages, string[] specialities, string personalPhone, string clearance, string homeUnit)
    {
        var known = Agencies.First(a => a.Code == agency);
        return new OfficerRecord
        {
            Id = id,
            NativeName = native,
            LatinName = latin,
            Variants = variants,
            Rank = rank,
            Country = known.Country,
            Agency = agency,
            AgencyName = known.Name,
            Posting = posting,
            Centre = centre,
            CrossingPoint = crossingPoint,
            Languages = [.. languages.Select(l => l.Split(':')).Select(p => new LanguageSkill(p[0], p[1]))],
            Specialities = specialities,
            Contacts = [new Contact("email", $"{id}@liaison.example"), new Contact("phone", "via the duty desk of " + posting)],
            Unit = Units.FirstOrDefault(u => u.Agency == agency && u.Name == homeUnit)?.Id,
            RestrictedFields = new Restricted(personalPhone, clearance, homeUnit),
            Version = 1,
        };
    }
}
