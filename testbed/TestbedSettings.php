<?php
/**
 * Settings shared by every testbed wiki. up.sh appends to each generated LocalSettings.php:
 *
 *   $tbDir = __DIR__;            // BASE/<wiki>
 *   $tbWiki = 'src';             // src | other | commons
 *   $tbSharedRepo = [ ... ];     // commons' URLs for src and other, [] for commons itself
 *   require_once 'BASE/TestbedSettings.php';
 *
 * Run-time switches: BASE/<wiki>/runtime.json is read on every request. Each key starting with
 * "wg" replaces that global; "tbFakeLag": N makes requests with maxlag < N fail (ApiMaxLagInfo
 * hook). "tbHttpError" and "tbLatencyMs" are handled by router.php. Write {} to reset. Keys
 * starting with "_" are ignored (conftest's runtime_switch adds a "_nonce" so that every write starts
 * fresh rate-limit counters).
 */

if ( !defined( 'MEDIAWIKI' ) ) {
	exit;
}

/** @var string $tbDir */
/** @var string $tbWiki */
$tbSharedRepo = $tbSharedRepo ?? [];

// ---- per-wiki folders (Debian's PlatformSettings.php points these at shared /var paths) ----
$wgUploadDirectory = "$tbDir/images";
$wgUploadPath = '/images';
$wgCacheDirectory = "$tbDir/cache";
$wgLocalisationCacheConf['storeDirectory'] = "$tbDir/cache/l10n";
$wgDBerrorLog = "$tbDir/logs/dberror.log";
$wgDebugLogGroups['exception'] = "$tbDir/logs/exception.log";
$wgDebugLogGroups['error'] = "$tbDir/logs/error.log";
$wgDebugLogGroups['fatal'] = "$tbDir/logs/fatal.log";
$wgShowExceptionDetails = true;
$wgShowHostnames = true;

// ---- URLs like Wikipedia's ----
$wgArticlePath = '/wiki/$1';
$wgUsePathInfo = true;

// ---- media handling ----
// /usr/local/bin/convert on the workplace is not ImageMagick: use GD, and rsvg for SVG.
$wgUseImageMagick = false;
$wgSVGConverter = is_executable( '/usr/bin/rsvg-convert' ) ? 'rsvg' : false;
$wgSVGConverterPath = is_executable( '/usr/bin/rsvg-convert' ) ? '/usr/bin' : '';

// ---- uploads ----
$wgEnableUploads = true;
$wgFileExtensions = [ 'png', 'gif', 'jpg', 'jpeg', 'webp', 'svg', 'pdf', 'ogg', 'oga', 'ogv', 'webm',
	'tif', 'tiff' ];
$wgMaxUploadSize = 200 * 1024 * 1024;
$wgUploadStashMaxAge = 6 * 3600;
$wgEnableAsyncUploads = false;
$wgAllowCopyUploads = true;
$wgCopyUploadsDomains = [ '127.0.0.1', 'localhost' ];
$wgGroupPermissions['user']['upload_by_url'] = true;
$wgGroupPermissions['sysop']['upload_by_url'] = true;
$wgUseInstantCommons = false;

// ---- accounts, import ----
$wgEnableBotPasswords = true;
$wgGroupPermissions['sysop']['import'] = true;
$wgGroupPermissions['sysop']['importupload'] = true;
$wgImportSources = [ 'en', 'de', 'commons' ];

// ParserFunctions ({{#if:}}) for the Wikipedia-like templates.
wfLoadExtension( 'ParserFunctions', "$IP/extensions-core/ParserFunctions/extension.json" );

// ---- commons as the shared file repository of src and other (like InstantCommons on Wikipedia) ----
if ( !class_exists( 'TestbedForeignAPIRepo', false ) ) {
	/**
	 * ForeignAPIRepo without the WAN cache: the API answers of the local commons are never stale,
	 * so a file uploaded to commons shows up on src on the very next request.
	 */
	class TestbedForeignAPIRepo extends ForeignAPIRepo {
		public function __construct( $info ) {
			parent::__construct( $info );
			$this->wanCache = WANObjectCache::newEmpty();
		}
	}
}
if ( $tbSharedRepo ) {
	$wgForeignFileRepos[] = [
		'class' => TestbedForeignAPIRepo::class,
		'name' => 'shared',
		'apibase' => $tbSharedRepo['api'],
		// FileBackendGroup wants a local directory even for an API repo (thumbnails are not cached).
		'directory' => "$tbDir/cache/shared-repo",
		'url' => $tbSharedRepo['server'] . '/images',
		'hashLevels' => 2,
		'thumbScriptUrl' => false,
		'transformVia404' => true,
		'fetchDescription' => true,
		'descriptionCacheExpiry' => 0,
		'apiThumbCacheExpiry' => 0,
		'apiMetadataExpiry' => 0,
		'descBaseUrl' => $tbSharedRepo['server'] . '/wiki/File:',
		'scriptDirUrl' => $tbSharedRepo['server'],
		'favicon' => $tbSharedRepo['server'] . '/favicon.ico',
	];
}

// ---- run-time switches ----
$tbRuntime = [];
$tbRuntimeFile = "$tbDir/runtime.json";
if ( is_file( $tbRuntimeFile ) ) {
	$tbRuntimeDecoded = json_decode( (string)@file_get_contents( $tbRuntimeFile ), true );
	if ( is_array( $tbRuntimeDecoded ) ) {
		$tbRuntime = $tbRuntimeDecoded;
	}
}
foreach ( $tbRuntime as $tbKey => $tbValue ) {
	if ( is_string( $tbKey ) && str_starts_with( $tbKey, 'wg' ) ) {
		$GLOBALS[$tbKey] = $tbValue;
	}
}
if ( isset( $tbRuntime['wgRateLimits'] ) && function_exists( 'apcu_fetch' ) ) {
	// Fresh limiter counters for every new runtime.json (the rate limiter's keys do not depend on
	// the limits), so a test that sets a limit never inherits hits from an earlier test.
	$tbStat = @stat( $tbRuntimeFile );
	$tbEpoch = md5( json_encode( $tbRuntime ) . ( $tbStat ? $tbStat['mtime'] . ':' . $tbStat['ino'] : '' ) );
	$wgObjectCaches['testbed-ratelimit'] = [
		'class' => APCUBagOStuff::class,
		'keyspace' => $wgDBname . '-rl-' . substr( $tbEpoch, 0, 12 ),
	];
	$wgStatsCacheType = 'testbed-ratelimit';
}
if ( !empty( $tbRuntime['tbFakeLag'] ) ) {
	$tbFakeLag = (int)$tbRuntime['tbFakeLag'];
	$wgHooks['ApiMaxLagInfo'][] = static function ( &$lagInfo ) use ( $tbFakeLag ) {
		if ( $tbFakeLag > $lagInfo['lag'] ) {
			$lagInfo = [ 'host' => 'db-replica-fake', 'lag' => $tbFakeLag, 'type' => 'db' ];
		}
	};
}
