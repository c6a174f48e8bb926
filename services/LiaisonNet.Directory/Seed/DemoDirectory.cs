using LiaisonNet.Directory.Search;

namespace LiaisonNet.Directory.Seed;

/// <summary>The demo directory of the embedded default: the five Central Asian states and Afghanistan, several agencies each.</summary>
public static class DemoDirectory
{
    private static readonly Dictionary<string, (string Country, string Name)> Agencies = new()
    {
        ["KZ-BS"] = ("KZ", "Border Service of the National Security Committee of Kazakhstan"),
        ["KZ-CUS"] = ("KZ", "State Revenue Committee of Kazakhstan (Customs)"),
        ["KZ-POL"] = ("KZ", "Ministry of Internal Affairs of Kazakhstan"),
        ["UZ-CUS"] = ("UZ", "Customs Committee of Uzbekistan"),
        ["UZ-BS"] = ("UZ", "Border Troops of the State Security Service of Uzbekistan"),
        ["KG-BS"] = ("KG", "Border Service of the State Committee for National Security of the Kyrgyz Republic"),
        ["KG-CUS"] = ("KG", "State Customs Service of the Kyrgyz Republic"),
        ["TJ-BS"] = ("TJ", "Border Troops of the State Committee for National Security of Tajikistan"),
        ["TJ-DCA"] = ("TJ", "Drug Control Agency of Tajikistan"),
        ["TM-BS"] = ("TM", "State Border Service of Turkmenistan"),
        ["TM-CUS"] = ("TM", "State Customs Service of Turkmenistan"),
        ["AF-BP"] = ("AF", "Afghan Border Police"),
        ["AF-CNPA"] = ("AF", "Counter Narcotics Police of Afghanistan"),
    };

    public static IReadOnlyList<OfficerRecord> Officers { get; } =
    [
        Officer("kz-bs-sattarkhanov", "Саттарханов Ерлан Болатұлы", "Sattarkhanov Yerlan", ["Sattarkhanov Erlan", "Sattarxanov Erlan"], "Major", "KZ-BS", "Khorgos JBCC",
            ["kk", "ru", "en"], ["counter-terrorism", "migration"], "+7 7172 55 01 10", "SECRET", "Almaty Regional Border Directorate"),
        Officer("kz-bs-qasymov", "Қасымов Нұрлан Серікұлы", "Qasymov Nurlan", ["Kasymov Nurlan"], "Captain", "KZ-BS", "Zhibek Zholy crossing point (KZ–UZ)",
            ["kk", "ru"], ["document fraud"], "+7 7252 40 22 17", "CONFIDENTIAL", "Turkistan Regional Border Directorate"),
        Officer("kz-cus-zhaksylykova", "Жақсылықова Әйгерім Маратқызы", "Zhaksylykova Aigerim", ["Jaqsylyqova Aigerim", "Zhaqsylyqova Aygerim"], "Senior Inspector", "KZ-CUS", "Khorgos JBCC",
            ["kk", "ru", "en", "zh"], ["customs fraud"], "+7 7282 30 44 51", "CONFIDENTIAL", "Almaty Customs Department"),
        Officer("kz-pol-baizhanov", "Байжанов Ғалым Ержанұлы", "Baizhanov Galym", ["Bayjanov Ghalym", "Baijanov Galym"], "Lieutenant Colonel", "KZ-POL", "Central Asian Regional Information and Coordination Centre, Almaty",
            ["kk", "ru", "en"], ["narcotics", "financial intelligence"], "+7 7272 58 19 03", "SECRET", "Department for Combating Drug Crime"),
        Officer("uz-cus-khodjaev", "Ходжаев Рустам Алишерович", "Xo‘jayev Rustam", ["Khojaev Rustam"], "Lieutenant Colonel", "UZ-CUS", "Oybek crossing point (UZ–TJ)",
            ["uz", "ru", "en"], ["customs fraud", "narcotics"], "+998 71 120 76 54", "SECRET", "Tashkent Regional Customs Administration"),
        Officer("uz-bs-juraev", "Жураев Жамшид Бахтиёрович", "Jo‘rayev Jamshid", ["Zhuraev Dzhamshid", "Juraev Jamshid"], "Major", "UZ-BS", "Termez–Hairatan BLO",
            ["uz", "ru", "fa"], ["counter-terrorism"], "+998 76 222 31 08", "SECRET", "Surkhandarya Border Detachment"),
        Officer("uz-cus-yusupova", "Юсупова Дилноза Рустамовна", "Yusupova Dilnoza", ["Iusupova Dilnoza"], "Captain", "UZ-CUS", "Yallama crossing point (UZ–KZ)",
            ["uz", "ru", "en"], ["customs fraud", "document fraud"], "+998 71 150 22 94", "CONFIDENTIAL", "Tashkent Regional Customs Administration"),
        Officer("uz-bs-qodirov", "Қодиров Шерзод", "Qodirov Sherzod", ["Kodirov Sherzod", "Kadyrov Sherzod"], "Senior Lieutenant", "UZ-BS", "Dustlik crossing point (UZ–KG)",
            ["uz", "ru", "ky"], ["migration"], "+998 74 228 40 12", "CONFIDENTIAL", "Andijan Border Detachment"),
        Officer("kg-bs-asanov", "Асанов Бакыт Токтогулович", "Asanov Bakyt", ["Asanov Bakit"], "Major", "KG-BS", "Dostuk crossing point (KG–UZ)",
            ["ky", "ru", "uz"], ["migration", "document fraud"], "+996 3222 5 44 10", "CONFIDENTIAL", "Osh Border Detachment"),
        Officer("kg-bs-sydykov", "Сыдыков Нурбек Алмазбекович", "Sydykov Nurbek", ["Sidikov Nurbek"], "Captain", "KG-BS", "Karamyk–Karamyk BLO (KG–TJ)",
            ["ky", "ru", "tg"], ["counter-terrorism"], "+996 3622 2 18 77", "SECRET", "Batken Border Detachment"),
        Officer("kg-cus-temirova", "Темирова Айпери Кубанычбековна", "Temirova Aiperi", ["Temirova Ayperi"], "Inspector", "KG-CUS", "Torugart crossing point (KG–CN)",
            ["ky", "ru", "en", "zh"], ["customs fraud"], "+996 312 61 40 88", "CONFIDENTIAL", "Naryn Customs"),
        Officer("tj-dca-rahimov", "Раҳимов Фирдавс Саидович", "Rahimov Firdavs", ["Rakhimov Firdavs", "Rahimov Firdavs"], "Colonel", "TJ-DCA", "Nizhny Panj crossing point (TJ–AF)",
            ["tg", "ru", "fa", "en"], ["narcotics"], "+992 37 221 50 06", "SECRET", "Khatlon Regional Department"),
        Officer("tj-bs-nazarov", "Назаров Ҷамшед Умарович", "Nazarov Jamshed", ["Nazarov Dzhamshed"], "Major", "TJ-BS", "Ishkashim BLO (TJ–AF)",
            ["tg", "ru", "fa"], ["counter-terrorism", "migration"], "+992 35 222 17 40", "SECRET", "Gorno-Badakhshan Border Detachment"),
        Officer("tj-bs-saidova", "Саидова Малика", "Saidova Malika", ["Saidova Malikha"], "Lieutenant", "TJ-BS", "Fotehobod crossing point (TJ–UZ)",
            ["tg", "ru", "uz"], ["document fraud"], "+992 34 422 09 61", "CONFIDENTIAL", "Sughd Border Detachment"),
        Officer("tm-bs-orazov", "Оразов Мерген Бердимурадович", "Orazow Mergen", ["Orazov Mergen"], "Lieutenant Colonel", "TM-BS", "Ashgabat (Aşgabat) border coordination centre",
            ["tk", "ru", "en"], ["counter-terrorism"], "+993 12 39 44 10", "SECRET", "Ahal Border Detachment"),
        Officer("tm-cus-annayeva", "Аннаева Огулджерен", "Annaýewa Ogulǰeren", ["Annaeva Oguldzheren", "Annayeva Oguljeren"], "Senior Inspector", "TM-CUS", "Farap crossing point (TM–UZ)",
            ["tk", "ru"], ["customs fraud"], "+993 422 2 31 54", "CONFIDENTIAL", "Lebap Customs"),
        Officer("af-bp-ahmadi", "احمدی نجیب", "Ahmadi Najib", ["Akhmadi Nadzhib", "Ahmadi Najeeb"], "Colonel", "AF-BP", "Sher Khan Bandar crossing point (AF–TJ)",
            ["fa", "ps", "en"], ["counter-terrorism", "migration"], "+93 20 210 4411", "SECRET", "Kunduz Border Brigade"),
        Officer("af-cnpa-karimi", "کریمی فرید", "Karimi Farid", ["Karimi Fareed"], "Major", "AF-CNPA", "Hairatan crossing point (AF–UZ)",
            ["fa", "uz", "en"], ["narcotics"], "+93 50 220 1870", "SECRET", "Balkh Counter Narcotics Unit"),
    ];

    private static OfficerRecord Officer(string id, string native, string latin, string[] variants, string rank, string agency, string posting,
        string[] languages, string[] specialities, string personalPhone, string clearance, string homeUnit)
    {
        var (country, agencyName) = Agencies[agency];
        return new OfficerRecord
        {
            Id = id,
            NativeName = native,
            LatinName = latin,
            Variants = variants,
            Rank = rank,
            Country = country,
            Agency = agency,
            AgencyName = agencyName,
            Posting = posting,
            Languages = languages,
            Specialities = specialities,
            Contacts = [new Contact("email", $"{id}@liaison.example"), new Contact("phone", "duty desk via " + posting)],
            RestrictedFields = new Restricted(personalPhone, clearance, homeUnit),
        };
    }
}
