<?php
/**
 * Router for `php -S 127.0.0.1:PORT -t /usr/share/mediawiki router.php` (one server per wiki).
 *
 *  - runtime.json "tbHttpError": {"status": 502, "count": N[, "body": "..."]} makes the next N
 *    requests to api.php answer with that status and an HTML page (like a proxy would).
 *  - runtime.json "tbLatencyMs": N delays every request (api.php, pages, images) by N ms.
 *  - /wiki/Title            -> index.php (short URLs, $wgArticlePath = "/wiki/$1")
 *  - /images/...            -> served from this wiki's own upload folder (BASE/<wiki>/images);
 *                              missing thumbnails are rendered by thumb_handler.php
 *  - everything else        -> the built-in server (api.php, index.php, load.php, static files)
 *
 * The wiki is found through the MW_CONFIG_FILE environment variable (BASE/<wiki>/LocalSettings.php).
 */

$tbDir = dirname( (string)getenv( 'MW_CONFIG_FILE' ) );
$tbCode = '/usr/share/mediawiki';
$tbUri = $_SERVER['REQUEST_URI'] ?? '/';
$tbPath = rawurldecode( (string)parse_url( $tbUri, PHP_URL_PATH ) );

/** Consume one simulated HTTP error from runtime.json, or return null. */
function tb_take_http_error( string $dir ): ?array {
	$file = "$dir/runtime.json";
	if ( !is_file( $file ) ) {
		return null;
	}
	$lock = fopen( "$dir/runtime.lock", 'c' );
	if ( $lock === false ) {
		return null;
	}
	flock( $lock, LOCK_EX );
	try {
		$data = json_decode( (string)@file_get_contents( $file ), true );
		if ( !is_array( $data ) || !isset( $data['tbHttpError'] ) || !is_array( $data['tbHttpError'] ) ) {
			return null;
		}
		$err = $data['tbHttpError'];
		$count = (int)( $err['count'] ?? 1 );
		if ( $count <= 0 ) {
			return null;
		}
		$count--;
		if ( $count > 0 ) {
			$data['tbHttpError']['count'] = $count;
		} else {
			unset( $data['tbHttpError'] );
		}
		$tmp = "$file.tmp" . getmypid();
		file_put_contents( $tmp, json_encode( $data ?: new stdClass() ) );
		rename( $tmp, $file );
		return $err;
	} finally {
		flock( $lock, LOCK_UN );
		fclose( $lock );
	}
}

/**
 * runtime.json "tbLatencyMs": N makes every request wait N ms before it is handled (a remote wiki: time
 * that costs the server no CPU, as network round trips and storage writes do on Wikimedia's servers).
 */
function tb_wait_latency( string $dir ): void {
	$file = "$dir/runtime.json";
	if ( !is_file( $file ) ) {
		return;
	}
	$data = json_decode( (string)@file_get_contents( $file ), true );
	$ms = is_array( $data ) ? (int)( $data['tbLatencyMs'] ?? 0 ) : 0;
	if ( $ms > 0 ) {
		usleep( $ms * 1000 );
	}
}

tb_wait_latency( $tbDir );

if ( $tbPath === '/api.php' ) {
	$tbErr = tb_take_http_error( $tbDir );
	if ( $tbErr !== null ) {
		$status = (int)( $tbErr['status'] ?? 502 );
		$reasons = [ 500 => 'Internal Server Error', 502 => 'Bad Gateway', 503 => 'Service Unavailable',
			504 => 'Gateway Timeout', 429 => 'Too Many Requests', 403 => 'Forbidden', 404 => 'Not Found' ];
		$reason = $reasons[$status] ?? 'Error';
		http_response_code( $status );
		header( 'Content-Type: text/html; charset=utf-8' );
		if ( isset( $tbErr['retry_after'] ) ) {
			header( 'Retry-After: ' . (int)$tbErr['retry_after'] );
		}
		echo $tbErr['body'] ?? "<html><body><h1>$status $reason</h1></body></html>";
		return true;
	}
	return false;
}

// /wiki/Title -> index.php
if ( str_starts_with( $tbPath, '/wiki/' ) || $tbPath === '/wiki' ) {
	chdir( $tbCode );
	$_SERVER['SCRIPT_NAME'] = '/index.php';
	$_SERVER['SCRIPT_FILENAME'] = "$tbCode/index.php";
	$_SERVER['PHP_SELF'] = '/index.php';
	require "$tbCode/index.php";
	return true;
}

// /images/... -> this wiki's upload folder
if ( str_starts_with( $tbPath, '/images/' ) ) {
	$rel = substr( $tbPath, strlen( '/images/' ) );
	if ( str_contains( $rel, '..' ) || str_contains( $rel, "\0" ) ) {
		http_response_code( 403 );
		return true;
	}
	$file = "$tbDir/images/$rel";
	if ( is_file( $file ) ) {
		tb_serve_file( $file );
		return true;
	}
	if ( str_starts_with( $rel, 'thumb/' ) ) {
		chdir( $tbCode );
		$_SERVER['SCRIPT_NAME'] = '/thumb_handler.php';
		$_SERVER['SCRIPT_FILENAME'] = "$tbCode/thumb_handler.php";
		$_SERVER['PHP_SELF'] = '/thumb_handler.php';
		require "$tbCode/thumb_handler.php";
		return true;
	}
	http_response_code( 404 );
	header( 'Content-Type: text/html; charset=utf-8' );
	echo "<html><body><h1>404 Not Found</h1></body></html>";
	return true;
}

// The web installer is never needed (install.php runs from the command line).
if ( str_starts_with( $tbPath, '/mw-config' ) ) {
	http_response_code( 403 );
	return true;
}

return false;

/** Serve a file with Content-Type, Content-Length, Last-Modified and single-range support. */
function tb_serve_file( string $file ): void {
	$types = [ 'png' => 'image/png', 'gif' => 'image/gif', 'jpg' => 'image/jpeg', 'jpeg' => 'image/jpeg',
		'webp' => 'image/webp', 'svg' => 'image/svg+xml', 'pdf' => 'application/pdf',
		'ogg' => 'application/ogg', 'oga' => 'audio/ogg', 'ogv' => 'video/ogg', 'webm' => 'video/webm',
		'tif' => 'image/tiff', 'tiff' => 'image/tiff' ];
	$ext = strtolower( pathinfo( $file, PATHINFO_EXTENSION ) );
	$size = filesize( $file );
	$start = 0;
	$end = $size - 1;
	$range = $_SERVER['HTTP_RANGE'] ?? '';
	if ( $range !== '' && preg_match( '/^bytes=(\d*)-(\d*)$/', $range, $m ) && ( $m[1] !== '' || $m[2] !== '' ) ) {
		if ( $m[1] === '' ) {
			$start = max( 0, $size - (int)$m[2] );
		} else {
			$start = (int)$m[1];
			if ( $m[2] !== '' ) {
				$end = min( $end, (int)$m[2] );
			}
		}
		if ( $start > $end || $start >= $size ) {
			http_response_code( 416 );
			header( "Content-Range: bytes */$size" );
			return;
		}
		http_response_code( 206 );
		header( "Content-Range: bytes $start-$end/$size" );
	}
	header( 'Content-Type: ' . ( $types[$ext] ?? 'application/octet-stream' ) );
	header( 'Content-Length: ' . ( $end - $start + 1 ) );
	header( 'Accept-Ranges: bytes' );
	header( 'Last-Modified: ' . gmdate( 'D, d M Y H:i:s', (int)filemtime( $file ) ) . ' GMT' );
	if ( ( $_SERVER['REQUEST_METHOD'] ?? 'GET' ) === 'HEAD' ) {
		return;
	}
	$fh = fopen( $file, 'rb' );
	fseek( $fh, $start );
	$left = $end - $start + 1;
	while ( $left > 0 && !feof( $fh ) ) {
		$chunk = fread( $fh, min( 1 << 20, $left ) );
		if ( $chunk === false ) {
			break;
		}
		echo $chunk;
		$left -= strlen( $chunk );
	}
	fclose( $fh );
}
