/// Everything the host knows about one employee for a period: what a policy (the national rules or an agency
/// plugin) derives ratings, reports and incentives from. Values are as stored (the store's CHECKs bound them).
public struct AppraisalSubject: Sendable, Equatable {
    public var employee: Employee
    public var unitName: String
    /// The indicators of the employee's SKP for the period's year, with the realisasi that counts for the period.
    public var indicators: [IndicatorProgress] = []
    /// 360° entries for the period, oldest first.
    public var feedback: [FeedbackEntry] = []
    /// Attendance for the months the period spans.
    public var attendance: [MonthAttendance] = []
    /// Ratings of the period and of the periods inside it.
    public var ratings: [PeriodRating] = []
    /// Minutes logged in the period's days.
    public var activityMinutes: Int64 = 0

    public init(employee: Employee, unitName: String) {
        self.employee = employee
        self.unitName = unitName
    }

    public struct IndicatorProgress: Sendable, Equatable {
        public var rhkID: String, rhkKind: String, rhkText: String
        public var indicatorID: String, aspect: String, text: String, targetUnit: String, direction: String
        public var target: Double?
        public var realisasi: Double?
        public var realisasiText: String

        public init(
            rhkID: String, rhkKind: String, rhkText: String, indicatorID: String, aspect: String, text: String, targetUnit: String,
            direction: String, target: Double?, realisasi: Double? = nil, realisasiText: String = ""
        ) {
            self.rhkID = rhkID
            self.rhkKind = rhkKind
            self.rhkText = rhkText
            self.indicatorID = indicatorID
            self.aspect = aspect
            self.text = text
            self.targetUnit = targetUnit
            self.direction = direction
            self.target = target
            self.realisasi = realisasi
            self.realisasiText = realisasiText
        }

        /// True when a realisasi was reported (a value or a text).
        public var hasRealisasi: Bool { realisasi != nil || !realisasiText.isEmpty }
    }

    public struct FeedbackEntry: Sendable, Equatable {
        public var source: String
        public var rating: String
        public var aspects: [BerAKHLAK: Rating]
        public init(source: String, rating: String, aspects: [BerAKHLAK: Rating]) {
            self.source = source
            self.rating = rating
            self.aspects = aspects
        }
    }

    public struct MonthAttendance: Sendable, Equatable {
        public var month: String
        public var attendance: Attendance
        public init(month: String, attendance: Attendance) {
            self.month = month
            self.attendance = attendance
        }
    }

    public struct PeriodRating: Sendable, Equatable {
        public var periodID: String, hasilKerja: String, perilakuKerja: String, predikat: String
        public var aspects: [BerAKHLAK: Rating]
        public init(periodID: String, hasilKerja: String, perilakuKerja: String, predikat: String, aspects: [BerAKHLAK: Rating]) {
            self.periodID = periodID
            self.hasilKerja = hasilKerja
            self.perilakuKerja = perilakuKerja
            self.predikat = predikat
            self.aspects = aspects
        }
    }
}
