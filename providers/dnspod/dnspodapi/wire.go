// Package dnspodapi holds the wire format of the Tencent Cloud DNSPod API 3.0
// (shared/dnspod-api.md) and an API-faithful fake of it as an http.Handler, so the
// dnspod provider is tested over real HTTP against the quirks of the real service.
package dnspodapi

// Version is the X-TC-Version every call carries.
const Version = "2021-03-23"

// Service is the service name in the TC3 credential scope.
const Service = "dnspod"

// Algorithm names the signature scheme in the Authorization header.
const Algorithm = "TC3-HMAC-SHA256"

// ContentType is the only content type the API signs and accepts.
const ContentType = "application/json; charset=utf-8"

// DefaultLine is the name of the record line that answers every resolver on the China
// site ("默认", default).
const DefaultLine = "默认"

// DefaultLineIntl is the name of the same line on the international site.
const DefaultLineIntl = "Default"

// DefaultLineID is the LineId of the default line on both sites; match rows and write
// on it rather than on the localized name.
const DefaultLineID = "0"

// The sites of the API: the China site (dnspod.tencentcloudapi.com) and the
// international one (dnspod.intl.tencentcloudapi.com). They differ in the names of
// record lines.
const (
	SiteChina = "china"
	SiteIntl  = "intl"
)

// DefaultLineName returns the name of the default line on site.
func DefaultLineName(site string) string {
	if site == SiteIntl {
		return DefaultLineIntl
	}
	return DefaultLine
}

// The record statuses: a DISABLE row is paused and answers no queries.
const (
	StatusEnable  = "ENABLE"
	StatusDisable = "DISABLE"
)

// MaxSkew is how far a request's timestamp may be from the server's clock.
const MaxSkew = 300 // seconds

// The actions the provider uses.
const (
	ActionDescribeDomainList = "DescribeDomainList"
	ActionDescribeRecordList = "DescribeRecordList"
	ActionCreateRecord       = "CreateRecord"
	ActionModifyRecord       = "ModifyRecord"
	ActionDeleteRecord       = "DeleteRecord"
	ActionDescribeDomain     = "DescribeDomain"
	// ActionDescribePackageDetail describes every plan (grade), with its MinTtl.
	ActionDescribePackageDetail = "DescribePackageDetail"
)

// The error codes the API answers and the provider acts on.
const (
	CodeSignatureFailure  = "AuthFailure.SignatureFailure"
	CodeSignatureExpire   = "AuthFailure.SignatureExpire"
	CodeSecretIDNotFound  = "AuthFailure.SecretIdNotFound"
	CodeDomainRecordExist = "InvalidParameter.DomainRecordExist"
	CodeRecordIDInvalid   = "InvalidParameter.RecordIdInvalid"
	CodeRecordValueBad    = "InvalidParameter.RecordValueInvalid"
	CodeRecordTypeBad     = "InvalidParameter.RecordTypeInvalid"
	CodeSubdomainInvalid  = "InvalidParameter.SubdomainInvalid"
	CodeMXInvalid         = "InvalidParameter.MxInvalid"
	CodeRecordLineInvalid = "InvalidParameter.RecordLineInvalid"
	CodeLimitInvalid      = "InvalidParameterValue.LimitInvalid"
	CodeDomainNotExists   = "InvalidParameterValue.DomainNotExists"
	CodeRecordTTLLimit    = "LimitExceeded.RecordTtlLimit"
	CodeNoDataOfRecord    = "ResourceNotFound.NoDataOfRecord"
	CodeRequestLimit      = "RequestLimitExceeded"
	CodeInternalError     = "InternalError"
	// CodeFrequencyLimit ("操作过于频繁") is throttling of one account's writes.
	CodeFrequencyLimit = "FailedOperation.FrequencyLimit"
	// CodeUnknownError ("操作未响应", spelt so by the API) leaves a write's outcome unknown.
	CodeUnknownError     = "FailedOperation.UnknowError"
	CodeInvalidAction    = "InvalidAction"
	CodeUnknownParameter = "UnknownParameter"
	CodeMissingParameter = "MissingParameter"
	CodeNoSuchVersion    = "NoSuchVersion"
)

// MaxLimit is the largest Limit DescribeRecordList and DescribeDomainList take.
const MaxLimit = 3000

// DefaultLimit is the page size when a listing leaves Limit out.
const DefaultLimit = 100

// Error is the error object of a failed call.
type Error struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

// DescribeRecordListRequest lists the records of a domain. The filter by name was
// Subdomain (where the write actions say SubDomain); SDK v1.3.131 deprecated it in
// favour of SubDomain, and the API takes both.
type DescribeRecordListRequest struct {
	Domain     string `json:"Domain"`
	SubDomain  string `json:"SubDomain,omitempty"`
	Subdomain  string `json:"Subdomain,omitempty"`
	RecordType string `json:"RecordType,omitempty"`
	Offset     uint64 `json:"Offset,omitempty"`
	Limit      uint64 `json:"Limit,omitempty"`
}

// RecordCountInfo counts the records of a listing.
type RecordCountInfo struct {
	SubdomainCount uint64 `json:"SubdomainCount"`
	ListCount      uint64 `json:"ListCount"`
	TotalCount     uint64 `json:"TotalCount"`
}

// RecordListItem is one record (one row: one value) of a listing.
type RecordListItem struct {
	RecordId  uint64 `json:"RecordId"`
	Name      string `json:"Name"`
	Type      string `json:"Type"`
	Value     string `json:"Value"`
	Line      string `json:"Line"`
	LineId    string `json:"LineId"`
	TTL       uint64 `json:"TTL"`
	MX        uint64 `json:"MX"`
	Status    string `json:"Status"`
	Weight    *int64 `json:"Weight"`
	Remark    string `json:"Remark"`
	UpdatedOn string `json:"UpdatedOn"`
}

// DescribeRecordListResponse is the answer to DescribeRecordList.
type DescribeRecordListResponse struct {
	RecordCountInfo RecordCountInfo  `json:"RecordCountInfo"`
	RecordList      []RecordListItem `json:"RecordList"`
	RequestId       string           `json:"RequestId"`
}

// CreateRecordRequest adds one record (one value) to a domain. The line is given by
// RecordLineId ("0", the default line on both sites) or by its localized name in
// RecordLine; RecordLineId wins when both are given.
type CreateRecordRequest struct {
	Domain       string  `json:"Domain"`
	SubDomain    string  `json:"SubDomain,omitempty"`
	RecordType   string  `json:"RecordType"`
	RecordLine   string  `json:"RecordLine,omitempty"`
	RecordLineId string  `json:"RecordLineId,omitempty"`
	Value        string  `json:"Value"`
	MX           *uint64 `json:"MX,omitempty"`
	TTL          uint64  `json:"TTL,omitempty"`
	// Status is ENABLE (the default) or DISABLE.
	Status string `json:"Status,omitempty"`
}

// ModifyRecordRequest replaces one record's fields. Status left out means ENABLE: a
// paused row that is modified answers again.
type ModifyRecordRequest struct {
	Domain       string  `json:"Domain"`
	RecordId     uint64  `json:"RecordId"`
	SubDomain    string  `json:"SubDomain,omitempty"`
	RecordType   string  `json:"RecordType"`
	RecordLine   string  `json:"RecordLine,omitempty"`
	RecordLineId string  `json:"RecordLineId,omitempty"`
	Value        string  `json:"Value"`
	MX           *uint64 `json:"MX,omitempty"`
	TTL          uint64  `json:"TTL,omitempty"`
	Status       string  `json:"Status,omitempty"`
}

// RecordIDResponse is the answer to CreateRecord and ModifyRecord.
type RecordIDResponse struct {
	RecordId  uint64 `json:"RecordId"`
	RequestId string `json:"RequestId"`
}

// DeleteRecordRequest removes one record.
type DeleteRecordRequest struct {
	Domain   string `json:"Domain"`
	RecordId uint64 `json:"RecordId"`
}

// DescribeDomainListRequest lists the domains of the account.
type DescribeDomainListRequest struct {
	Type    string `json:"Type,omitempty"`
	Offset  int64  `json:"Offset,omitempty"`
	Limit   int64  `json:"Limit,omitempty"`
	Keyword string `json:"Keyword,omitempty"`
}

// DomainListItem is one domain of a listing.
type DomainListItem struct {
	DomainId uint64 `json:"DomainId"`
	Name     string `json:"Name"`
	Status   string `json:"Status"`
	TTL      uint64 `json:"TTL"`
	Grade    string `json:"Grade"`
}

// DomainCountInfo counts the domains of a listing.
type DomainCountInfo struct {
	AllTotal uint64 `json:"AllTotal"`
}

// DescribeDomainListResponse is the answer to DescribeDomainList.
type DescribeDomainListResponse struct {
	DomainCountInfo DomainCountInfo  `json:"DomainCountInfo"`
	DomainList      []DomainListItem `json:"DomainList"`
	RequestId       string           `json:"RequestId"`
}

// DescribeDomainRequest asks for one domain by name.
type DescribeDomainRequest struct {
	Domain string `json:"Domain"`
}

// DomainInfo describes one domain; Grade names its plan ("DP_FREE"), in a case that
// differs from DescribePackageDetail's DomainGrade ("DP_Free").
type DomainInfo struct {
	DomainId     uint64   `json:"DomainId"`
	Domain       string   `json:"Domain"`
	Status       string   `json:"Status"`
	Grade        string   `json:"Grade"`
	GradeTitle   string   `json:"GradeTitle"`
	GradeLevel   uint64   `json:"GradeLevel"`
	TTL          uint64   `json:"TTL"`
	DnsStatus    string   `json:"DnsStatus"`
	DnspodNsList []string `json:"DnspodNsList"`
	Punycode     string   `json:"Punycode"`
	RecordCount  uint64   `json:"RecordCount"`
	CreatedOn    string   `json:"CreatedOn"`
	UpdatedOn    string   `json:"UpdatedOn"`
}

// DescribeDomainResponse is the answer to DescribeDomain.
type DescribeDomainResponse struct {
	DomainInfo DomainInfo `json:"DomainInfo"`
	RequestId  string     `json:"RequestId"`
}

// PackageDetailItem is one plan (grade) and its limits.
type PackageDetailItem struct {
	RealPrice       float64  `json:"RealPrice"`
	ChangedTimes    uint64   `json:"ChangedTimes"`
	MinTtl          uint64   `json:"MinTtl"`
	RecordRoll      uint64   `json:"RecordRoll"`
	SubDomainLevel  uint64   `json:"SubDomainLevel"`
	MaxWildcard     uint64   `json:"MaxWildcard"`
	DnsServerRegion string   `json:"DnsServerRegion"`
	DomainGradeCn   string   `json:"DomainGradeCn"`
	GradeLevel      uint64   `json:"GradeLevel"`
	Ns              []string `json:"Ns"`
	DomainGrade     string   `json:"DomainGrade"`
}

// DescribePackageDetailResponse is the answer to DescribePackageDetail.
type DescribePackageDetailResponse struct {
	Info      []PackageDetailItem `json:"Info"`
	LevelMap  []string            `json:"LevelMap"`
	RequestId string              `json:"RequestId"`
}
